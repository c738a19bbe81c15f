// Package readmecheck guards README.md against drift: its tests assert that
// the Quickstart block holds exactly the two promised commands, that every
// COSFLOW_* setting is documented (and no unknown one), and that every
// script and fixture the README names exists in the tree.
//
// The package has no use at run time; it exists so `go test ./...` fails
// when the documentation and the code part ways.
package readmecheck
