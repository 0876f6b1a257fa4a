// The Go twin of pingpong.dusk: two goroutines bounce a counter over two
// channels of capacity one; the figure is one round trip.
package main

import (
	"fmt"
	"time"
)

func main() {
	n := 1000000
	ping := make(chan int, 1)
	pong := make(chan int, 1)
	done := make(chan bool)
	t0 := time.Now()
	go func() {
		for i := 0; i < n; {
			ping <- i
			v := <-pong
			i = v + 1
		}
		done <- true
	}()
	go func() {
		for i := 0; i < n; i++ {
			v := <-ping
			pong <- v
		}
		done <- true
	}()
	<-done
	<-done
	fmt.Printf("pingpong %d %g\n", n, float64(time.Since(t0).Nanoseconds())/float64(n))
}
