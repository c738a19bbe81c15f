package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

var inf = math.Inf(1)

// binary is one program under measurement.
type binary struct {
	Name string // "floor", "sdk", "cosflow"
	Pkg  string // package path to build, relative to the module root
	Path string // built executable
	Size int64
}

// referenceBinaries are built the same way, so that only their code differs.
func referenceBinaries() []*binary {
	return []*binary{
		{Name: "floor", Pkg: "./internal/benchref/floor"},
		{Name: "sdk", Pkg: "./internal/benchref/sdkfn"},
		{Name: "cosflow", Pkg: "."},
	}
}

// buildStatic builds pkg as the SCF package is built: static, -trimpath,
// stripped (unless keepSymbols, for size attribution).
func buildStatic(ctx context.Context, pkg, out string, keepSymbols bool) error {
	ldflags := "-s -w"
	if keepSymbols {
		ldflags = ""
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", ldflags, "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %w", pkg, err)
	}
	return nil
}

// buildAll builds every binary into dir and records its size.
func buildAll(ctx context.Context, dir string, bins []*binary) error {
	for _, b := range bins {
		b.Path = filepath.Join(dir, b.Name)
		if err := buildStatic(ctx, b.Pkg, b.Path, false); err != nil {
			return err
		}
		st, err := os.Stat(b.Path)
		if err != nil {
			return fmt.Errorf("stat %s: %w", b.Path, err)
		}
		b.Size = st.Size()
	}
	return nil
}

// modules lists the module paths `go version -m` finds in a binary: the
// main module first, then its dependencies.
func modules(ctx context.Context, exe string) ([]string, error) {
	out, err := exec.CommandContext(ctx, "go", "version", "-m", exe).Output()
	if err != nil {
		return nil, fmt.Errorf("go version -m %s: %w", exe, err)
	}
	var mods []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && (f[0] == "mod" || f[0] == "dep") {
			mods = append(mods, f[1])
		}
	}
	return mods, nil
}

// sizeShare is the symbol bytes attributed to one group of packages.
type sizeShare struct {
	Group string
	Bytes int64
}

// attributeSizes groups the symbol sizes of an unstripped build (go tool
// nm -size) by module: each symbol goes to the longest module path that
// prefixes its package, else to "std" (the standard library and runtime),
// else "other" (type descriptors and linker-made symbols). It is an
// estimate: symbols are not the whole file (headers, pclntab of stripped
// builds, alignment), but the shares compare fairly.
func attributeSizes(ctx context.Context, exe string, mods []string) ([]sizeShare, int64, error) {
	out, err := exec.CommandContext(ctx, "go", "tool", "nm", "-size", exe).Output()
	if err != nil {
		return nil, 0, fmt.Errorf("go tool nm -size %s: %w", exe, err)
	}
	mainMod := ""
	if len(mods) > 0 {
		mainMod = mods[0]
	}
	mods = append([]string(nil), mods...)
	sort.Slice(mods, func(i, j int) bool { return len(mods[i]) > len(mods[j]) })
	sums := map[string]int64{}
	var total int64
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		// "  4a3b20    1234 T github.com/x/y.(*T).M"
		f := strings.Fields(sc.Text())
		if len(f) < 4 {
			continue
		}
		size, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || f[2] == "U" {
			continue
		}
		name := strings.Join(f[3:], " ")
		total += size
		sums[symbolGroup(name, mainMod, mods)] += size
	}
	shares := make([]sizeShare, 0, len(sums))
	for g, n := range sums {
		shares = append(shares, sizeShare{g, n})
	}
	sort.Slice(shares, func(i, j int) bool { return shares[i].Bytes > shares[j].Bytes })
	return shares, total, nil
}

// symbolGroup names the module a symbol belongs to.
func symbolGroup(sym, mainMod string, mods []string) string {
	// Generic instantiations and type descriptors mention packages after a
	// prefix ("type:*github.com/x.T", "go:itab.*github.com/x.T,..."): use
	// the first package path in the name.
	s := sym
	for _, p := range []string{"type:", "go:itab.", "go:"} {
		s = strings.TrimPrefix(s, p)
	}
	s = strings.TrimLeft(s, "*[]")
	for _, m := range mods {
		if strings.HasPrefix(s, m+".") || strings.HasPrefix(s, m+"/") {
			return m
		}
	}
	if strings.HasPrefix(s, "main.") {
		return mainMod
	}
	// A path whose first element has a dot is a module's (not listed:
	// linker-made); anything else is the standard library.
	if slash := strings.IndexByte(s, '/'); slash > 0 && strings.Contains(s[:slash], ".") {
		return "other"
	}
	return "std"
}
