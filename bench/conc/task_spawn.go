// The Go twin of task_spawn.dusk: goroutines with an empty body started and
// finished in waves of 10,000.
package main

import (
	"fmt"
	"sync"
	"time"
)

func main() {
	waves, wave := 100, 10000
	t0 := time.Now()
	for w := 0; w < waves; w++ {
		var wg sync.WaitGroup
		wg.Add(wave)
		for i := 0; i < wave; i++ {
			go func() { wg.Done() }()
		}
		wg.Wait()
	}
	fmt.Printf("task_spawn %d %g\n", waves*wave, float64(time.Since(t0).Nanoseconds())/float64(waves*wave))
}
