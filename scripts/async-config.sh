#!/bin/sh
# Show or set the function's async retry settings (retry count after a run
# error, event retention) with tccli: they are per-function platform
# settings that serverless.yml cannot set (the component applies its
# retryNum/msgTTL only in long-running mode).
set -eu

usage() {
	cat <<'USAGE'
Usage: scripts/async-config.sh [-h] [-retries N] [-ttl SECONDS]
                               [-function NAME] [-namespace NS] [-region REGION]

Without -retries/-ttl: shows the function's async retry settings
(tccli scf GetFunctionEventInvokeConfig). With either or both: sets them
(tccli scf UpdateFunctionEventInvokeConfig) and shows the result; the API
needs both values, so the one not given is kept as it is.

What they govern (COS and timer invocations are asynchronous):
  - retries: how often a run error (cosflow returns an error, panics or
    times out) is retried, 1 minute apart; platform default 2. No range is
    documented: the API decides what it accepts.
  - ttl: how long an event is kept for retries, in seconds; platform
    default 21600 (6 h). System errors (500, 432, 429, 449) are retried
    every minute until it runs out.
In the output, RetryConfig[0].RetryNum is the retry count and MsgTTL the
retention.

  -retries N         retries after a run error (integer >= 0)
  -ttl SECONDS       event retention in seconds (integer >= 1)
  -function NAME     function name (default: inputs.name in serverless.yml)
  -namespace NS      namespace (default: inputs.namespace, else "default")
  -region REGION     region (default: inputs.region in serverless.yml)
  -h                 show this help

Needs tccli ('pip install tccli') with credentials: TENCENTCLOUD_SECRET_ID
and TENCENTCLOUD_SECRET_KEY exported, or 'tccli configure' (profile from
TCCLI_PROFILE, else default); failing both, the framework's
TENCENT_SECRET_ID/TENCENT_SECRET_KEY are used.
USAGE
}

die() {
	echo "async-config.sh: $*" >&2
	exit 1
}

# number NAME VALUE MIN: prints VALUE without leading zeros after checking
# it is a decimal integer >= MIN (at most 9 digits, so shell arithmetic
# cannot overflow).
number() {
	case $2 in
	'' | *[!0-9]*) die "$1 must be a whole number, got '$2'" ;;
	esac
	n=$2
	while [ ${#n} -gt 1 ] && [ "${n#0}" != "$n" ]; do n=${n#0}; done
	[ ${#n} -le 9 ] || die "$1 is too large: $2"
	[ "$n" -ge "$3" ] || die "$1 must be at least $3, got $2"
	echo "$n"
}

retries=
ttl=
fn=
namespace=
region=
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	-retries | --retries | -ttl | --ttl | -function | --function | -namespace | --namespace | -region | --region)
		[ $# -ge 2 ] || { echo "async-config.sh: $1 needs a value" >&2; usage >&2; exit 2; }
		opt=${1#-}
		opt=${opt#-}
		val=$2
		shift 2
		;;
	-*=*)
		opt=${1%%=*}
		opt=${opt#-}
		opt=${opt#-}
		val=${1#*=}
		shift
		;;
	*) echo "async-config.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
	esac
	case $opt in
	retries) retries=$(number -retries "$val" 0) ;;
	ttl) ttl=$(number -ttl "$val" 1) ;;
	function) fn=$val ;;
	namespace) namespace=$val ;;
	region) region=$val ;;
	*) echo "async-config.sh: unknown option: -$opt" >&2; usage >&2; exit 2 ;;
	esac
done

cd "$(dirname "$0")/.."
. scripts/lib/tccli.sh

[ -f serverless.yml ] || die "serverless.yml not found in $(pwd)"
yml_function
[ -n "$fn" ] || die "no function name: set inputs.name in serverless.yml or pass -function"
[ -n "$region" ] || die "no region: set inputs.region in serverless.yml or pass -region"
case $fn$namespace$region in
*'$'*) die "serverless.yml uses a variable in name, namespace or region; pass -function, -namespace and -region" ;;
esac

tccli_check || die "$tccli_problem"

where="$fn (namespace $namespace, region $region)"
if [ -n "$retries" ] || [ -n "$ttl" ]; then
	if [ -z "$retries" ] || [ -z "$ttl" ]; then
		# "MsgTTL<TAB>RetryNum" of the current settings.
		current=$(scf_api GetFunctionEventInvokeConfig \
			--filter '[AsyncTriggerConfig.MsgTTL, AsyncTriggerConfig.RetryConfig[0].RetryNum]' \
			--output text) || die "could not read the current settings of $where (tccli output above)"
		set -- $current
		[ -n "$ttl" ] || ttl=${1:-}
		[ -n "$retries" ] || retries=${2:-}
		case $ttl$retries in
		'' | *[!0-9-]*) die "unexpected current settings from tccli: '$current'; pass both -retries and -ttl" ;;
		esac
	fi
	config="{\"MsgTTL\":$ttl,\"RetryConfig\":[{\"RetryNum\":$retries}]}"
	echo "setting $where: AsyncTriggerConfig $config" >&2
	scf_api UpdateFunctionEventInvokeConfig --AsyncTriggerConfig "$config" >/dev/null ||
		die "UpdateFunctionEventInvokeConfig failed for $where (tccli output above)"
fi

echo "async retry settings of $where:" >&2
scf_api GetFunctionEventInvokeConfig --filter AsyncTriggerConfig ||
	die "GetFunctionEventInvokeConfig failed for $where (tccli output above)"
