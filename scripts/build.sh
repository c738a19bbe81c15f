#!/bin/sh
# Build the SCF package: a static linux/amd64 binary dist/main and
# dist/cosflow.zip with `main` at the zip root (what the Go1 runtime runs).
set -eu

usage() {
	cat <<'USAGE'
Usage: scripts/build.sh [-h]

Builds dist/main, the deploy binary (CGO off, GOOS=linux GOARCH=amd64,
-trimpath, stripped, -tags deploy: the function alone, without the
command line and the built-in CI emulator, main.version from `git describe`, else "dev"), copies config/*.json
(files COSFLOW_RULES_FILE and COSFLOW_BACKFILLS_FILE can name) next to
it, and zips them to dist/cosflow.zip with `main` at the root. Zips with
`zip`, else `python3 -m zipfile`. Prints the binary size. Runs from any
directory.
USAGE
}

while getopts h opt; do
	case $opt in
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

cd "$(dirname "$0")/.."

version=$(git describe --tags --always --dirty 2>/dev/null || true)
[ -n "$version" ] || version=dev

mkdir -p dist
rm -f dist/main dist/cosflow.zip dist/*.json
echo "building dist/main (linux/amd64, version $version)" >&2
CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -trimpath -tags deploy \
	-ldflags "-s -w -X main.version=$version" -o dist/main .

# Configuration files ship in the code package, beside main: on SCF they
# are under USER_CODE_ROOT, which COSFLOW_*_FILE paths are relative to.
set -- main
for f in config/*.json; do
	[ -f "$f" ] || continue
	cp "$f" dist/
	set -- "$@" "${f##*/}"
done

# The zip must hold `main` at its root with the executable bit kept: the
# runtime execs it directly.
if command -v zip >/dev/null 2>&1; then
	(cd dist && zip -q -X cosflow.zip "$@")
elif command -v python3 >/dev/null 2>&1; then
	(cd dist && python3 -m zipfile -c cosflow.zip "$@")
else
	echo "build.sh: cannot zip: install 'zip' (apt-get install zip) or python3" >&2
	exit 1
fi

bytes=$(wc -c <dist/main | tr -d ' ')
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
zbytes=$(wc -c <dist/cosflow.zip | tr -d ' ')
echo "dist/main: $bytes bytes ($mb MB)"
[ "$#" -eq 1 ] || echo "dist/: $* (zipped with main)"
echo "dist/cosflow.zip: $zbytes bytes"
