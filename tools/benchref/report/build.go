package main

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

var inf = math.Inf(1)

// binary is one program under measurement.
type binary struct {
	Name string // "floor", "sdk", "cosflow"
	Dir  string // the main package's directory, relative to the product's root
	Tags string // build tags
	Path string // built executable
	Size int64
}

// deployTags are the tags scripts/build.sh builds the SCF package with:
// the CI emulator stays out of the deploy binary.
const deployTags = "deploy"

// referenceBinaries are built the same way, so that only their code
// differs: the floor, the reference function a user would write with the
// same packages (sdkfn), and cosflow's deploy binary.
func referenceBinaries() []*binary {
	return []*binary{
		{Name: "floor", Dir: "tools/benchref/floor"},
		{Name: "sdk", Dir: "tools/benchref/sdkfn"},
		{Name: "cosflow", Dir: ".", Tags: deployTags},
	}
}

// buildStatic builds the main package in dir (within its own module) as
// the SCF package is built: static, -trimpath, stripped (unless
// keepSymbols, for size attribution), with tags. out must be absolute
// (see tempDir).
func buildStatic(ctx context.Context, dir, tags, out string, keepSymbols bool) error {
	ldflags := "-s -w"
	if keepSymbols {
		ldflags = ""
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-tags", tags, "-ldflags", ldflags, "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build in %s: %w", dir, err)
	}
	return nil
}

// buildAll builds every binary into dir and records its size.
func buildAll(ctx context.Context, dir string, bins []*binary) error {
	for _, b := range bins {
		b.Path = filepath.Join(dir, b.Name)
		if err := buildStatic(ctx, b.Dir, b.Tags, b.Path, false); err != nil {
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

// attributeSizes groups the sizes of the symbols an unstripped build
// stores in the file (its ELF symbol table, zero-filled BSS left out) by
// module: each symbol goes to the longest module path that prefixes its
// package, else to "std" (standard library and runtime, including the
// runtime's function metadata), else "other". It is an estimate: symbols
// are not the whole file (headers, symbol tables of this build, padding),
// but the shares compare fairly.
func attributeSizes(exe string, mods []string) ([]sizeShare, int64, error) {
	f, err := elf.Open(exe)
	if err != nil {
		return nil, 0, fmt.Errorf("size attribution (ELF only): %w", err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return nil, 0, fmt.Errorf("read symbols of %s: %w", exe, err)
	}
	mainMod := ""
	if len(mods) > 0 {
		mainMod = mods[0]
	}
	mods = append([]string(nil), mods...)
	sort.Slice(mods, func(i, j int) bool { return len(mods[i]) > len(mods[j]) })
	sums := map[string]int64{}
	var total int64
	for _, sym := range syms {
		if sym.Size == 0 || int(sym.Section) <= 0 || int(sym.Section) >= len(f.Sections) {
			continue
		}
		if f.Sections[sym.Section].Type == elf.SHT_NOBITS {
			continue // BSS: costs memory, not file bytes
		}
		total += int64(sym.Size)
		sums[symbolGroup(sym.Name, mainMod, mods)] += int64(sym.Size)
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
