#!/bin/sh
# Build the package and deploy it with Serverless Cloud Framework (CLI `scf`,
# npm package serverless-cloud-framework), using serverless.yml at the repo root.
set -eu

usage() {
	cat <<'USAGE'
Usage: scripts/deploy.sh [-h] [-p PROFILE] [-l] [-n] [-- EXTRA_SCF_ARGS...]

Runs scripts/build.sh, then `scf deploy` in the repository root.

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

Options:
  -p PROFILE  use the stored credentials profile PROFILE (scf --profile)
  -l          interactive QR-code login (scf --login)
  -n          skip the build, deploy the existing dist/main
  -h          show this help
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

if [ "$build" -eq 1 ]; then
	scripts/build.sh
fi
[ -x dist/main ] || die "dist/main is missing: run scripts/build.sh"

set -- deploy "$@"
[ -n "$profile" ] && set -- "$@" --profile "$profile"
[ "$login" -eq 1 ] && set -- "$@" --login
echo "running: scf $*" >&2
exec scf "$@"
