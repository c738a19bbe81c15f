#!/bin/sh
# Run one event through the handler locally: `go run . invoke -event EVENT`.
set -eu

usage() {
	cat <<'USAGE'
Usage: scripts/invoke-local.sh [-h] [EVENT]

Runs EVENT (a JSON file, or - for stdin; default
events/testdata/cos_put.json) through the handler with `go run . invoke`.
The result JSON goes to stdout, logs to stderr. Without credentials and
COSFLOW_CI_ENDPOINT the binary starts its built-in CI emulator and a demo
rule, so this works on a machine with only Go. COSFLOW_* variables in the
environment are passed through (e.g. COSFLOW_DRY_RUN=true).
A relative EVENT path is taken from the current directory.
USAGE
}

while getopts h opt; do
	case $opt in
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

root=$(cd "$(dirname "$0")/.." && pwd)
event=${1:-$root/events/testdata/cos_put.json}
# Resolve a relative path before changing directory.
case $event in
-|/*) ;;
*) event=$(pwd)/$event ;;
esac
if [ "$event" != - ] && [ ! -f "$event" ]; then
	echo "invoke-local.sh: no such event file: $event" >&2
	exit 1
fi

cd "$root"
exec go run . invoke -event "$event"
