#!/bin/sh
# Run the CI emulator in the foreground: `go run . emulator -addr ADDR`.
set -eu

usage() {
	cat <<'USAGE'
Usage: scripts/emulator.sh [-h] [-addr ADDR]

Serves the CI emulator (real wire: virtual-host Host, signed requests, XML)
on ADDR (default 127.0.0.1:9100) until interrupted. It accepts
TENCENTCLOUD_SECRETID/TENCENTCLOUD_SECRETKEY when set, else the demo pair
AKIDcosflowEmulatorDemoKey000000000 / cosflowEmulatorDemoSecretKey0000.
Point the function at it with COSFLOW_CI_ENDPOINT=http://ADDR.
USAGE
}

addr=${ADDR:-127.0.0.1:9100}
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	-addr | --addr)
		[ $# -ge 2 ] || { usage >&2; exit 2; }
		addr=$2
		shift 2
		;;
	-addr=* | --addr=*) addr=${1#*=}; shift ;;
	*) usage >&2; exit 2 ;;
	esac
done

cd "$(dirname "$0")/.."
exec go run . emulator -addr "$addr"
