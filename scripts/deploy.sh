#!/bin/sh
# Build the package and deploy it with Serverless Cloud Framework (CLI `scf`,
# npm package serverless-cloud-framework), using serverless.yml at the repo
# root; then make sure the Function URL exists (tccli) and print it.
set -eu

usage() {
	cat <<'USAGE'
Usage: scripts/deploy.sh [-h] [-p PROFILE] [-l] [-n] [-- EXTRA_SCF_ARGS...]

Checks serverless.yml (go test ./internal/deploycheck), warns when its
environment variables come near the platform's 4 KB, runs scripts/build.sh,
then `scf deploy` in the repository root. After the deploy it runs
`cosflow doctor -serverless serverless.yml` (go run; findings printed, the
deploy stands whatever they say), lists the function's triggers with tccli (scf ListTriggers), creates the http trigger
(the Function URL) when it is missing (scf CreateTrigger), and ends by
printing the Function URL, or how to find and create it when tccli cannot
be used.

Needs:
  - the CLI:   npm i -g serverless-cloud-framework   (provides `scf`)
  - credentials for the framework, one of:
      TENCENT_SECRET_ID and TENCENT_SECRET_KEY exported (or in ./.env),
      a stored profile (`scf credentials set -i ID -k KEY`) chosen with -p
        or TENCENT_CREDENTIALS_PROFILE, or one listed by `scf credentials list`,
      -l to log in interactively by QR code.
  - COSFLOW_API_TOKEN exported (or in ./.env): serverless.yml reads it with
    ${env:COSFLOW_API_TOKEN} so the secret never lands in git.
  - serverless.yml edited: it refuses to deploy the example bucket.
  - Go, for the build and the serverless.yml check.
Recommended: tccli (pip install tccli) for the Function URL step. It uses
TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY or `tccli configure`, else
the framework's TENCENT_SECRET_ID/TENCENT_SECRET_KEY (environment or
./.env). Without it the script prints the tccli commands to run.

Options:
  -p PROFILE  use the stored credentials profile PROFILE (scf --profile)
  -l          interactive QR-code login (scf --login)
  -n          skip the build, deploy the existing dist/main
  -h          show this help
Arguments after -- go to `scf deploy`. The framework skips files it has
uploaded before unchanged, so pass `-- --force` after a failed or broken-off
upload, or when the function answers with an exec error (e.g. "exec format
error" or "permission denied" starting main): a binary uploaded wrong
stays wrong until a forced upload replaces it.
USAGE
}

profile=${TENCENT_CREDENTIALS_PROFILE:-}
login=0
build=1
while getopts hp:ln opt; do
	case $opt in
	h) usage; exit 0 ;;
	p) profile=$OPTARG ;;
	l) login=1 ;;
	n) build=0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

cd "$(dirname "$0")/.."
. scripts/lib/tccli.sh

die() {
	echo "deploy.sh: $*" >&2
	exit 1
}

command -v scf >/dev/null 2>&1 ||
	die "Serverless Cloud Framework CLI 'scf' not found: install Node.js, then 'npm i -g serverless-cloud-framework'"

# dotenv_has NAME: true when ./.env sets NAME to something non-empty; the
# framework reads .env itself, so a value there counts as set.
dotenv_has() {
	[ -f .env ] && grep -Eq "^[[:space:]]*(export[[:space:]]+)?$1=.+" .env
}

# dotenv_get NAME: the last value ./.env gives NAME, without surrounding
# quotes; empty when unset.
dotenv_get() {
	[ -f .env ] || return 0
	sed -n "s/^[[:space:]]*\(export[[:space:]]\{1,\}\)\{0,1\}$1=//p" .env | tail -n 1 |
		sed "s/^\"\(.*\)\"[[:space:]]*$/\1/; s/^'\(.*\)'[[:space:]]*$/\1/"
}

if [ "$login" -eq 0 ] && [ -z "$profile" ]; then
	if [ -n "${TENCENT_SECRET_ID:-}" ] && [ -n "${TENCENT_SECRET_KEY:-}" ]; then
		:
	elif dotenv_has TENCENT_SECRET_ID && dotenv_has TENCENT_SECRET_KEY; then
		:
	elif scf credentials list 2>/dev/null | grep -Eq '^[[:space:]]*- '; then
		:
	else
		die "no credentials for the framework: export TENCENT_SECRET_ID and TENCENT_SECRET_KEY (CAM user with SCF/COS/CAM deploy rights), or 'scf credentials set -i ID -k KEY', or rerun with -l to log in by QR code"
	fi
fi

if [ -z "${COSFLOW_API_TOKEN:-}" ] && ! dotenv_has COSFLOW_API_TOKEN; then
	die "COSFLOW_API_TOKEN is not set: export it (e.g. COSFLOW_API_TOKEN=\$(openssl rand -hex 32)) or put it in ./.env; serverless.yml reads it as \${env:COSFLOW_API_TOKEN}"
fi

if grep -q 'examplebucket-1250000000' serverless.yml; then
	die "serverless.yml still names the example bucket examplebucket-1250000000: edit the lines marked EDIT (bucket, region, role, workflow IDs) first"
fi

# The documented schema (keys, runtime, memory, timeout, cron, triggers,
# description, variables, 4 KB of variables): internal/deploycheck.
if command -v go >/dev/null 2>&1; then
	echo "checking serverless.yml: go test ./internal/deploycheck" >&2
	go test -count=1 ./internal/deploycheck >&2 ||
		die "serverless.yml breaks the scf component's documented schema (problems above)"
elif [ "$build" -eq 1 ]; then
	die "Go not found: it builds dist/main and checks serverless.yml (https://go.dev/dl/)"
else
	echo "deploy.sh: warning: Go not found, serverless.yml is deployed unchecked" >&2
fi

# env_bytes: bytes of the names and values under inputs.environment.variables
# in serverless.yml (single-line entries, quotes removed). A value that is
# exactly ${env:NAME} counts as the exported NAME when it is set, else as
# written; the platform counts what the framework substituted.
env_bytes() {
	LC_ALL=C awk '
		/^[^[:space:]#]/ { inputs = ($0 ~ /^inputs:/); env = 0; vars = 0; next }
		!inputs || /^[[:space:]]*(#|$)/ { next }
		/^  [^[:space:]]/ { env = ($0 ~ /^  environment:/); vars = 0; next }
		env && /^    [^[:space:]]/ { vars = ($0 ~ /^    variables:/); next }
		vars && /^      [^[:space:]]/ {
			line = substr($0, 7)
			i = index(line, ":")
			name = substr(line, 1, i - 1)
			v = substr(line, i + 1)
			sub(/^[[:space:]]+/, "", v)
			if (v ~ /^\047/) {
				v = substr(v, 2); sub(/\047[[:space:]]*(#.*)?$/, "", v); gsub(/\047\047/, "\047", v)
			} else if (v ~ /^"/) {
				v = substr(v, 2); sub(/"[[:space:]]*(#.*)?$/, "", v)
			} else {
				sub(/[[:space:]]+#.*$/, "", v); sub(/[[:space:]]+$/, "", v)
			}
			if (v ~ /^\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$/) {
				ref = substr(v, 7, length(v) - 7)
				if (ENVIRON[ref] != "") v = ENVIRON[ref]
			}
			total += length(name) + length(v)
		}
		END { print total + 0 }
	' serverless.yml
}

env_size=$(env_bytes)
if [ "$env_size" -gt 3584 ]; then
	echo "deploy.sh: warning: the environment variables in serverless.yml take $env_size bytes (names and values); the platform allows 4096 per function in total. Move long COSFLOW_RULES / COSFLOW_BACKFILLS into config/*.json files named by COSFLOW_RULES_FILE / COSFLOW_BACKFILLS_FILE" >&2
fi

fn= namespace= region=
yml_function

# tccli may use the framework's key pair; the framework reads it from .env
# too, so do the same for tccli.
if [ -z "${TENCENT_SECRET_ID:-}" ] && [ -z "${TENCENT_SECRET_KEY:-}" ] && dotenv_has TENCENT_SECRET_ID; then
	TENCENT_SECRET_ID=$(dotenv_get TENCENT_SECRET_ID)
	TENCENT_SECRET_KEY=$(dotenv_get TENCENT_SECRET_KEY)
fi
tccli_ok=1
tccli_check || tccli_ok=0
if [ "$tccli_ok" -eq 0 ]; then
	echo "deploy.sh: note: $tccli_problem; the Function URL will not be checked, the commands to do it will be printed" >&2
fi

if [ "$build" -eq 1 ]; then
	scripts/build.sh
fi
[ -x dist/main ] || die "dist/main is missing: run scripts/build.sh"

set -- deploy "$@"
[ -n "$profile" ] && set -- "$@" --profile "$profile"
[ "$login" -eq 1 ] && set -- "$@" --login
echo "running: scf $*" >&2
rc=0
scf "$@" || rc=$?
[ "$rc" -eq 0 ] ||
	die "scf deploy failed (exit $rc). If the upload failed or broke off, rerun with 'scripts/deploy.sh -n -- --force': the framework skips files it thinks it has uploaded"

# --- cosflow doctor -----------------------------------------------------------
# The deployed configuration checked against CI (read calls only), with the
# framework's key pair when the SDKs' variables are unset. Its findings are
# printed; none undoes the deploy.
if command -v go >/dev/null 2>&1; then
	echo "running: cosflow doctor -serverless serverless.yml" >&2
	TENCENTCLOUD_SECRET_ID=${TENCENTCLOUD_SECRET_ID:-${TENCENT_SECRET_ID:-}} \
		TENCENTCLOUD_SECRET_KEY=${TENCENTCLOUD_SECRET_KEY:-${TENCENT_SECRET_KEY:-}} \
		go run . doctor -serverless serverless.yml >&2 ||
		echo "deploy.sh: warning: cosflow doctor found errors (above) or could not run; the deploy stands" >&2
else
	echo "deploy.sh: note: Go not found, 'cosflow doctor -serverless serverless.yml' was not run" >&2
fi

# --- Function URL -----------------------------------------------------------
# The framework documents the http event, but the scf component may refuse it
# or its toolkit may swallow an error creating it, so check the result
# through the SCF API. tccli scf ListTriggers/CreateTrigger: parameters from
# tccli's scf api.json and examples (TencentCloud/tencentcloud-cli); an http
# trigger's TriggerDesc holds NetConfig.ExtranetUrl/IntranetUrl.
url_trigger_desc='{"AuthType":"NONE","NetConfig":{"EnableIntranet":true,"EnableExtranet":true}}'
http_filter="Triggers[?Type=='http'].TriggerDesc | [0]"

# url_help REASON: how to find (and if need be create) the Function URL by hand.
url_help() {
	cat <<HELP
Function URL: not checked: $1
  Find it in the SCF console (https://console.cloud.tencent.com/scf, region
  $region, namespace $namespace): function $fn -> Function URL; or with tccli:
    tccli scf ListTriggers --region $region --Namespace $namespace --FunctionName $fn --filter "$http_filter"
  If the function has no http trigger, create it:
    tccli scf CreateTrigger --region $region --Namespace $namespace --FunctionName $fn --TriggerName url-trigger --Type http --Qualifier '\$DEFAULT' --TriggerDesc '$url_trigger_desc'
HELP
}

# json_string NAME JSON: the string value of "NAME" in a one-line JSON text.
json_string() {
	printf '%s\n' "$2" | sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\([^\"]*\)\".*/\1/p" | head -n 1
}

case $fn$region in
'' | *'$'*)
	url_help "serverless.yml's inputs.name or inputs.region is empty or a variable"
	exit 0
	;;
esac
if [ "$tccli_ok" -eq 0 ]; then
	url_help "$tccli_problem"
	exit 0
fi
desc=$(scf_api ListTriggers --filter "$http_filter" --output text) || {
	url_help "tccli scf ListTriggers failed (output above)"
	exit 1
}
if [ -z "$desc" ] || [ "$desc" = None ]; then
	echo "deploy.sh: $fn has no http trigger (Function URL); creating it with tccli scf CreateTrigger" >&2
	scf_api CreateTrigger --TriggerName url-trigger --Type http --Qualifier '$DEFAULT' \
		--TriggerDesc "$url_trigger_desc" >/dev/null || {
		url_help "tccli scf CreateTrigger failed (output above)"
		exit 1
	}
	desc=$(scf_api ListTriggers --filter "$http_filter" --output text) || {
		url_help "tccli scf ListTriggers failed after creating the trigger (output above)"
		exit 1
	}
fi
extranet=$(json_string ExtranetUrl "$desc")
intranet=$(json_string IntranetUrl "$desc")
if [ -z "$extranet" ] && [ -z "$intranet" ]; then
	url_help "the http trigger lists no URL (TriggerDesc: $desc)"
	exit 1
fi
[ -z "$extranet" ] || echo "Function URL: $extranet"
[ -z "$intranet" ] || echo "Function URL (intranet, for VPC callers): $intranet"
# The URL each workflow's notification (NotifyConfig, Event WorkflowFinish)
# should name, so that failed runs are redriven at once; the token is not
# printed, only the variable that holds it.
if [ -n "$extranet" ]; then
	echo "CI callback URL (each workflow's NotifyConfig Url, Event WorkflowFinish): ${extranet%/}/v1/callbacks/ci?token=\$COSFLOW_CALLBACK_TOKEN"
	echo "  check them with: go run . doctor -serverless serverless.yml -function-url $extranet"
fi
