#!/bin/sh
# End-to-end check over the real protocols: the built binary serves the SCF
# runtime (net/rpc) on loopback, talks to the CI emulator over signed HTTP,
# and every fixture in events/testdata is invoked through cmd/scfcall.
set -eu

usage() {
	cat <<'USAGE'
Usage: scripts/e2e.sh [-h] [-v]

Builds for the host, into a temp dir, the deploy binary (-tags deploy, as
scripts/build.sh builds dist/main), a full build for the emulator, and
cmd/scfcall; starts `cosflow emulator` on a free loopback
port and the deploy binary as an SCF runtime
(_LAMBDA_SERVER_PORT) pointed at it (COSFLOW_CI_ENDPOINT, demo credentials,
COSFLOW_WORKFLOW_ID, COSFLOW_BUCKET, COSFLOW_REGION, COSFLOW_API_TOKEN taken
from the HTTP fixtures' Authorization header, else cosflow-demo-token), then
invokes every event in events/testdata/*.json (not *response*.json) with
scfcall and prints each result. COSFLOW_BACKFILLS is set so that a timer
with an empty Message runs a backfill too.

Fails (exit 1) on transport errors, a crashed process, a fixture that must
succeed and did not (uploads trigger, timers create a job, the Function URL
request answers 200, other HTTP requests answer a response), a platform
retry of cos_put.json that fires again, or a secret in the function's log;
other function errors are reported only.
Both processes are stopped on exit.

  -v  print the function's and the emulator's logs at the end
  -h  show this help
USAGE
}

verbose=0
while getopts hv opt; do
	case $opt in
	h) usage; exit 0 ;;
	v) verbose=1 ;;
	*) usage >&2; exit 2 ;;
	esac
done

cd "$(dirname "$0")/.."

# Fixed demo values shared with the emulator's defaults (not secrets).
secret_id=AKIDcosflowEmulatorDemoKey000000000
secret_key=cosflowEmulatorDemoSecretKey0000
workflow=w0123456789abcdef0123456789abcdef

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cosflow-e2e.XXXXXX")
emu_pid=
fn_pid=
cleanup() {
	for p in $fn_pid $emu_pid; do
		kill "$p" 2>/dev/null || true
	done
	for p in $fn_pid $emu_pid; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() {
	echo "e2e: $*" >&2
	show_logs
	exit 1
}

show_logs() {
	for f in "$tmp/emulator.log" "$tmp/function.log"; do
		[ -s "$f" ] || continue
		echo "--- ${f##*/} (last 40 lines)" >&2
		tail -n 40 "$f" >&2
	done
}

nap() { sleep 0.2 2>/dev/null || sleep 1; }

# free_port: a port the kernel just handed out on 127.0.0.1 (python3), else
# a pseudo-random high port; a clash shows up as a process that exits early.
free_port() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
	else
		awk -v seed="$$" 'BEGIN { srand(seed + systime()); print 20000 + int(rand() * 40000) }'
	fi
}

# port_open PORT: whether something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
	if command -v curl >/dev/null 2>&1; then
		# Any HTTP answer (even 403) means listening; 7 is "connection refused".
		rc=0
		curl -s -o /dev/null -m 2 "http://127.0.0.1:$1/" || rc=$?
		[ "$rc" -ne 7 ] && [ "$rc" -ne 28 ]
		return
	fi
	if command -v nc >/dev/null 2>&1; then
		nc -z 127.0.0.1 "$1" 2>/dev/null
		return
	fi
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),2).close()' "$1" 2>/dev/null
		return
	fi
	# No probe tool: give the process a moment and hope.
	sleep 1
}

echo "== e2e: build (host $(go env GOOS)/$(go env GOARCH))"
go build -tags deploy -o "$tmp/main" . || die "go build -tags deploy . failed"
go build -o "$tmp/cosflow" . || die "go build . failed"
go build -o "$tmp/scfcall" ./cmd/scfcall || die "go build ./cmd/scfcall failed"

# --- CI emulator -----------------------------------------------------------
emu_port=$(free_port)
(
	unset TENCENTCLOUD_SECRETID TENCENTCLOUD_SECRETKEY TENCENTCLOUD_SESSIONTOKEN
	exec "$tmp/cosflow" emulator -addr "127.0.0.1:$emu_port"
) >"$tmp/emulator.log" 2>&1 &
emu_pid=$!
i=0
until port_open "$emu_port"; do
	kill -0 "$emu_pid" 2>/dev/null || die "emulator exited during start-up"
	i=$((i + 1))
	[ "$i" -le 100 ] || die "emulator not listening on 127.0.0.1:$emu_port after ~20s"
	nap
done
echo "emulator: 127.0.0.1:$emu_port (pid $emu_pid)"

# --- API token ---------------------------------------------------------------
# bearer_token FILE: the token in an HTTP fixture's Authorization header.
bearer_token() {
	sed -n 's/.*"[Aa]uthorization"[[:space:]]*:[[:space:]]*"Bearer \([^"]*\)".*/\1/p' "$1" | head -n 1
}
# The function is configured with the Function URL fixture's token (the
# current trigger); a fixture carrying another token exercises the 401 path.
token=
for f in events/testdata/function_url_request.json events/testdata/*request*.json; do
	[ -f "$f" ] || continue
	token=$(bearer_token "$f")
	[ -z "$token" ] || break
done
[ -n "$token" ] || token=cosflow-demo-token

# --- the function as an SCF runtime ----------------------------------------
fn_port=$(free_port)
(
	# Start from a clean slate: settings from the caller's shell would change
	# what the fixtures do.
	unset COSFLOW_RULES COSFLOW_IGNORE_PREFIXES COSFLOW_DRY_RUN \
		COSFLOW_CONCURRENCY COSFLOW_LOG_LEVEL TENCENTCLOUD_SESSIONTOKEN _SCF_SERVER_PORT
	_LAMBDA_SERVER_PORT=$fn_port \
		COSFLOW_CI_ENDPOINT=http://127.0.0.1:$emu_port \
		TENCENTCLOUD_SECRETID=$secret_id \
		TENCENTCLOUD_SECRETKEY=$secret_key \
		COSFLOW_WORKFLOW_ID=$workflow \
		COSFLOW_BUCKET=examplebucket-1250000000 \
		COSFLOW_REGION=ap-guangzhou \
		COSFLOW_API_TOKEN=$token \
		COSFLOW_BACKFILLS="[{\"name\":\"sweep\",\"prefix\":\"photos/\",\"workflowId\":\"$workflow\",\"window\":\"1h\"}]" \
		exec "$tmp/main"
) >"$tmp/function.log" 2>&1 &
fn_pid=$!
i=0
until "$tmp/scfcall" -addr "127.0.0.1:$fn_port" -ping -timeout 2s >/dev/null 2>&1; do
	kill -0 "$fn_pid" 2>/dev/null || die "function exited during start-up"
	i=$((i + 1))
	[ "$i" -le 100 ] || die "function not answering Ping on 127.0.0.1:$fn_port after ~20s"
	nap
done
echo "function: 127.0.0.1:$fn_port (pid $fn_pid)"

# The platform hands credentials to every call in the request's Environment:
# do the same so that path is exercised too.
call_env="{\"TENCENTCLOUD_SECRETID\":\"$secret_id\",\"TENCENTCLOUD_SECRETKEY\":\"$secret_key\"}"

# expect FILE: what a fixture must produce.
#   ok:<text>  the call succeeds and its payload contains <text>
#   any        any function result; only transport errors and crashes fail
expect() {
	case ${1##*/} in
	cos_put.json | cos_multi.json | cos_tricky_keys.json | cos_old_format.json)
		echo 'ok:"instanceId"' ;;
	timer_continuation.json) echo 'ok:"reconcile"' ;; # a sweep's continuation: its spec alone, no backfill
	timer*.json) echo 'ok:"jobId"' ;;
	function_url_request.json) echo 'ok:"statusCode":200' ;;
	*request*.json) echo 'ok:"statusCode"' ;;
	*) echo any ;;
	esac
}

failed=0
count=0
for f in events/testdata/*.json; do
	[ -f "$f" ] || continue
	case ${f##*/} in
	*response*.json) continue ;; # a handler output sample, not an event
	esac
	count=$((count + 1))
	want=$(expect "$f")
	rc=0
	"$tmp/scfcall" -addr "127.0.0.1:$fn_port" -event "$f" -timeout 30s -env "$call_env" \
		>"$tmp/out" 2>"$tmp/err" || rc=$?
	echo "== $f (expect $want)"
	if [ "$rc" -eq 0 ]; then
		cat "$tmp/out"
		echo
		case $want in
		ok:*)
			if grep -q -- "${want#ok:}" "$tmp/out"; then
				echo "-> ok"
			else
				echo "-> FAIL: result lacks ${want#ok:}"
				failed=$((failed + 1))
			fi
			;;
		*) echo "-> ok" ;;
		esac
	elif [ "$rc" -eq 1 ] && grep -q '^[[:space:]]*{' "$tmp/err"; then
		# A function error: scfcall prints the error JSON on stderr.
		cat "$tmp/err"
		case $want in
		ok:*)
			echo "-> FAIL: function error, success expected"
			failed=$((failed + 1))
			;;
		*) echo "-> function error (reported, not a failure for this fixture)" ;;
		esac
	else
		cat "$tmp/err"
		echo "-> FAIL: transport error (scfcall exit $rc)"
		failed=$((failed + 1))
	fi
	kill -0 "$fn_pid" 2>/dev/null || die "function process died while handling $f"
done
[ "$count" -gt 0 ] || die "no fixtures found under events/testdata"

# A platform retry of the same delivery on this warm instance must not fire
# again (the contract's in-memory record of what fired).
if [ -f events/testdata/cos_put.json ]; then
	echo "== events/testdata/cos_put.json again (expect nothing triggered: platform retry on a warm instance)"
	rc=0
	"$tmp/scfcall" -addr "127.0.0.1:$fn_port" -event events/testdata/cos_put.json \
		-timeout 30s -env "$call_env" >"$tmp/out" 2>&1 || rc=$?
	cat "$tmp/out"
	echo
	if [ "$rc" -eq 0 ] && grep -q '"triggered":\[\]' "$tmp/out"; then
		echo "-> ok"
	else
		echo "-> FAIL: the retry fired again or failed (scfcall exit $rc)"
		failed=$((failed + 1))
	fi
fi

"$tmp/scfcall" -addr "127.0.0.1:$fn_port" -ping -timeout 5s >/dev/null 2>&1 ||
	die "function stopped answering Ping after the fixtures"

if [ "$verbose" -eq 1 ] || [ "$failed" -gt 0 ]; then
	show_logs
fi
if grep -q "$secret_key" "$tmp/function.log"; then
	echo "e2e: FAIL: a log contains the secret key" >&2
	failed=$((failed + 1))
fi
for f in events/testdata/*request*.json; do
	[ -f "$f" ] || continue
	t=$(bearer_token "$f")
	if [ -n "$t" ] && grep -q -- "$t" "$tmp/function.log"; then
		echo "e2e: FAIL: the function log contains the bearer token of $f" >&2
		failed=$((failed + 1))
	fi
done

echo "== e2e: $count fixtures, $failed failed"
[ "$failed" -eq 0 ]
