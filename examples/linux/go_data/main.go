// data: maps, sort, encoding/json, fmt with floats and crypto/sha256 over stdin.
package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
)

type Record struct {
	Name   string   `json:"name"`
	Score  float64  `json:"score"`
	Tags   []string `json:"tags,omitempty"`
	Active bool     `json:"active"`
}

func main() {
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "read:", err)
		os.Exit(1)
	}
	fmt.Printf("sha256(stdin) = %x (%d bytes)\n", sha256.Sum256(input), len(input))

	words := map[string]int{}
	for _, w := range strings.Fields(string(input)) {
		words[strings.ToLower(w)]++
	}
	keys := make([]string, 0, len(words))
	for k := range words {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if words[keys[i]] != words[keys[j]] {
			return words[keys[i]] > words[keys[j]]
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys[:min(5, len(keys))] {
		fmt.Printf("%-8s %d\n", k, words[k])
	}

	records := []Record{}
	for i, k := range keys {
		records = append(records, Record{Name: k, Score: math.Sqrt(float64(words[k]*(i+1))) / 3, Active: i%2 == 0})
	}
	records[0].Tags = []string{"top", "first"}
	blob, _ := json.Marshal(records[:3])
	fmt.Println(string(blob))
	var back []Record
	if err := json.Unmarshal(blob, &back); err != nil {
		fmt.Println("unmarshal:", err)
		os.Exit(1)
	}
	fmt.Printf("round trip: %v %.6f %g %e\n", back[1].Name, back[1].Score, back[2].Score, math.Pi*1e10)

	xs := []float64{3.5, -1.25, math.Inf(1), 0.1 + 0.2, -0.0, 1e-310, math.MaxFloat64}
	sort.Float64s(xs)
	fmt.Println(xs)
	fmt.Printf("%.3f %8.2e %v %v\n", math.Exp(1), math.Log(10), math.Floor(-2.5), math.Trunc(7.9))
}

func min(a, b int) int {
	if a < b {
		return a
	}
	return b
}
