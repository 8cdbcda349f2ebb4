// timers: time.Sleep and select on time.After (Go runs its timers on epoll and a pipe), math/big, strconv.
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
	"math/big"
)

func main() {
	start := time.Now()
	ch := make(chan int)
	go func() { time.Sleep(10 * time.Millisecond); ch <- 7 }()
	select {
	case v := <-ch:
		fmt.Println("got", v)
	case <-time.After(5 * time.Second):
		fmt.Println("timeout")
	}
	f := new(big.Int)
	f.MulRange(1, 30)
	fmt.Println("30! =", f.String())
	fmt.Println(strconv.FormatFloat(1.0/3.0, 'g', -1, 64), strings.Repeat("ab", 3), len(os.Args))
	if time.Since(start) < 10*time.Millisecond {
		fmt.Println("clock too slow")
	}
	var m = map[string][]int{}
	for i := 0; i < 1000; i++ {
		k := strconv.Itoa(i % 17)
		m[k] = append(m[k], i)
	}
	fmt.Println(len(m), len(m["3"]))
}
