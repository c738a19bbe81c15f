# Shared by scripts/deploy.sh and scripts/async-config.sh: sourced, not run.
# POSIX sh. Expects the current directory to be the repository root.
#
# tccli (TencentCloud CLI, `pip install tccli`) calls the SCF API directly,
# for what serverless.yml cannot do. Facts relied on, from the tccli source
# (github.com/TencentCloud/tencentcloud-cli: README.md, tccli/options_define.py,
# tccli/services/scf/scf_client.py parse_global_arg, tccli/argument.py):
#   - credentials: TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY (optional
#     TENCENTCLOUD_TOKEN), else ~/.tccli/<profile>.credential written by
#     `tccli configure`, profile from TCCLI_PROFILE or "default";
#   - String parameters are passed as given, object parameters as JSON text;
#   - --filter takes a JMESPath expression over the response, --output text
#     prints a string without JSON quoting (a missing value prints None);
#   - a failed call exits non-zero (since tccli 3.0.1009.1).

# yml_input KEY: the scalar value of inputs.KEY in serverless.yml (a line
# "  KEY: value" directly under "inputs:"), without a trailing comment or
# surrounding quotes; empty when the key is absent.
yml_input() {
	awk -v key="$1" '
		/^[^[:space:]#]/ { in_inputs = ($0 ~ /^inputs:/); next }
		in_inputs && index($0, "  " key ":") == 1 {
			v = substr($0, length(key) + 4)
			sub(/[[:space:]]+#.*$/, "", v)
			gsub(/^[[:space:]]+|[[:space:]]+$/, "", v)
			if (v ~ /^".*"$/ || v ~ /^\047.*\047$/) v = substr(v, 2, length(v) - 2)
			print v
			exit
		}
	' serverless.yml
}

# tccli_check: returns 0 when tccli is installed and has credentials, else 1
# with the reason in $tccli_problem. When tccli has no credentials of its
# own, the framework's TENCENT_SECRET_ID/TENCENT_SECRET_KEY (the same kind of
# CAM key pair) are exported to it as TENCENTCLOUD_SECRET_ID/SECRET_KEY.
tccli_check() {
	tccli_problem=
	if ! command -v tccli >/dev/null 2>&1; then
		tccli_problem="the TencentCloud CLI 'tccli' is not installed: install it with 'pip install tccli' (Python 3)"
		return 1
	fi
	if [ -n "${TENCENTCLOUD_SECRET_ID:-}" ] && [ -n "${TENCENTCLOUD_SECRET_KEY:-}" ]; then
		return 0
	fi
	if [ -f "${HOME:-}/.tccli/${TCCLI_PROFILE:-default}.credential" ]; then
		return 0
	fi
	if [ -n "${TENCENT_SECRET_ID:-}" ] && [ -n "${TENCENT_SECRET_KEY:-}" ]; then
		TENCENTCLOUD_SECRET_ID=$TENCENT_SECRET_ID
		TENCENTCLOUD_SECRET_KEY=$TENCENT_SECRET_KEY
		export TENCENTCLOUD_SECRET_ID TENCENTCLOUD_SECRET_KEY
		return 0
	fi
	tccli_problem="tccli has no credentials: export TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY, or run 'tccli configure' (profile '${TCCLI_PROFILE:-default}'; TCCLI_PROFILE picks another)"
	return 1
}

# yml_function: sets fn, namespace and region from serverless.yml's inputs
# where they are still empty; namespace defaults to "default".
yml_function() {
	[ -n "${fn:-}" ] || fn=$(yml_input name)
	[ -n "${namespace:-}" ] || namespace=$(yml_input namespace)
	[ -n "$namespace" ] || namespace=default
	[ -n "${region:-}" ] || region=$(yml_input region)
}

# scf_api ACTION ARGS...: one SCF API call (tccli scf ACTION) for the
# function $fn in $namespace and $region.
scf_api() {
	scf_action=$1
	shift
	tccli scf "$scf_action" --region "$region" --Namespace "$namespace" --FunctionName "$fn" "$@"
}
