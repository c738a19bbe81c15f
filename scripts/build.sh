#!/bin/sh
# Build the SCF package: a static linux/amd64 binary dist/main and
# dist/cosflow.zip with `main` at the zip root (what the Go1 runtime runs).
set -eu

usage() {
	cat <<'USAGE'
Usage: scripts/build.sh [-h]

Builds dist/main (CGO off, GOOS=linux GOARCH=amd64, -trimpath, stripped,
main.version from `git describe`, else "dev") and zips it to
dist/cosflow.zip with `main` at the root. Zips with `zip`, else
`python3 -m zipfile`. Prints the binary size. Runs from any directory.
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
rm -f dist/main dist/cosflow.zip
echo "building dist/main (linux/amd64, version $version)" >&2
CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -trimpath \
	-ldflags "-s -w -X main.version=$version" -o dist/main .

# The zip must hold `main` at its root with the executable bit kept: the
# runtime execs it directly.
if command -v zip >/dev/null 2>&1; then
	(cd dist && zip -q -X cosflow.zip main)
elif command -v python3 >/dev/null 2>&1; then
	(cd dist && python3 -m zipfile -c cosflow.zip main)
else
	echo "build.sh: cannot zip: install 'zip' (apt-get install zip) or python3" >&2
	exit 1
fi

bytes=$(wc -c <dist/main | tr -d ' ')
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
zbytes=$(wc -c <dist/cosflow.zip | tr -d ' ')
echo "dist/main: $bytes bytes ($mb MB)"
echo "dist/cosflow.zip: $zbytes bytes"
