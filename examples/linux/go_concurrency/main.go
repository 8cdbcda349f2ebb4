// concurrency: goroutines talking over channels, a mutex and a WaitGroup; the printed
// results do not depend on how the goroutines are scheduled.
package main

import (
	"fmt"
	"sync"
)

func producer(n int, out chan<- int) {
	for i := 1; i <= n; i++ {
		out <- i
	}
	close(out)
}

func squarer(in <-chan int, out chan<- int, wg *sync.WaitGroup) {
	defer wg.Done()
	for v := range in {
		out <- v * v
	}
}

func main() {
	numbers := make(chan int)
	squares := make(chan int, 16)
	var wg sync.WaitGroup
	go producer(1000, numbers)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go squarer(numbers, squares, &wg)
	}
	go func() { wg.Wait(); close(squares) }()
	sum := 0
	for s := range squares {
		sum += s
	}
	fmt.Println("sum of squares 1..1000:", sum)

	var mu sync.Mutex
	counter := map[int]int{}
	var wg2 sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg2.Add(1)
		go func(g int) {
			defer wg2.Done()
			for i := 0; i < 500; i++ {
				mu.Lock()
				counter[i%10] += g
				mu.Unlock()
			}
		}(g)
	}
	wg2.Wait()
	total := 0
	for k := 0; k < 10; k++ {
		total += counter[k]
	}
	fmt.Println("mutex total:", total, "bucket 0:", counter[0])

	done := make(chan string)
	for i := 0; i < 3; i++ {
		go func(i int) { done <- fmt.Sprint("worker ", i, " done") }(i)
	}
	results := map[string]bool{}
	for i := 0; i < 3; i++ {
		results[<-done] = true
	}
	fmt.Println("workers finished:", len(results))
}
