// Command floor is the cold-start floor: the smallest Go function the SCF
// Go1 runtime can run (net/rpc serving Function.Ping and an echo Invoke).
// scripts/bench.sh compares cosflow's start-up and size against it.
package main

import (
	"fmt"
	"os"

	"github.com/cosflow/cosflow/tools/benchref"
)

func main() {
	err := benchref.Serve(func(payload []byte) ([]byte, error) { return payload, nil })
	fmt.Fprintln(os.Stderr, "floor:", err)
	os.Exit(1)
}
