// hello: the smallest Go program that says something and exits with a chosen status.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("hello, world")
	fmt.Printf("args: %q\n", os.Args[1:])
	os.Exit(3)
}
