// The Go twin of task_switch.dusk: two goroutines hand the processor back
// and forth with runtime.Gosched (run with GOMAXPROCS=1, like tasks on one
// thread).
package main

import (
	"fmt"
	"runtime"
	"sync"
	"time"
)

func main() {
	n := 5000000
	var wg sync.WaitGroup
	wg.Add(2)
	t0 := time.Now()
	for k := 0; k < 2; k++ {
		go func() {
			for i := 0; i < n; i++ {
				runtime.Gosched()
			}
			wg.Done()
		}()
	}
	wg.Wait()
	fmt.Printf("task_switch %d %g\n", 2*n, float64(time.Since(t0).Nanoseconds())/float64(2*n))
}
