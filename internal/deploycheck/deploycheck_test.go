package deploycheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The repository root as seen from this package's directory, where `go
// test` runs.
const repoRoot = "../.."

func TestServerlessYML(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(repoRoot, "serverless.yml"))
	if err != nil {
		t.Fatal(err)
	}
	root, err := parse(src)
	if err != nil {
		t.Fatalf("serverless.yml: %v", err)
	}
	for _, r := range rules {
		for _, p := range r.check(root) {
			t.Errorf("serverless.yml %s (rule %s)", p, r.name)
		}
	}
	t.Logf("environment variables: %d of %d bytes (${env:...} references counted as written)", environmentSize(root), maxEnvironment)
}

// ruleCase is a fragment of serverless.yml and what one rule must say about
// it: want == "" means no problem, else some problem containing want.
type ruleCase struct {
	name string
	yml  string
	want string
}

// ruleCases has good and bad fragments for every rule; the bad ones prove
// the rule can fail.
var ruleCases = map[string][]ruleCase{
	"keys": {
		{"documented inputs", "component: scf\nname: x\ninputs:\n  name: f\n  src:\n    src: ./dist\n    exclude: ['*.zip']\n  environment:\n    variables:\n      ANY_NAME: v\n", ""},
		{"src as a path", "inputs:\n  src: ./dist\n", ""},
		{"enableRoleAuth", "inputs:\n  enableRoleAuth: true\n", "inputs.enableRoleAuth: not a documented key"},
		{"misspelt input", "inputs:\n  namesapce: default\n", "inputs.namesapce: not a documented key"},
		{"unknown top-level key", "component: scf\nprovider: tencent\n", "line 2: provider: not a documented key"},
		{"unknown key under environment", "inputs:\n  environment:\n    vars:\n      A: b\n", "inputs.environment.vars: not a documented key"},
		{"unknown key under src", "inputs:\n  src:\n    path: ./dist\n", "inputs.src.path: not a documented key"},
		{"environment not a mapping", "inputs:\n  environment: A=b\n", "inputs.environment: must be a mapping"},
	},
	"async-only inputs": {
		{"with long-running mode", "inputs:\n  asyncRunEnable: true\n  retryNum: 2\n  msgTTL: 3600\n", ""},
		{"asyncRunEnable false alone", "inputs:\n  asyncRunEnable: false\n", ""},
		{"retryNum without it", "inputs:\n  retryNum: 2\n", "inputs.retryNum: applies only with asyncRunEnable: true"},
		{"msgTTL with it off", "inputs:\n  asyncRunEnable: false\n  msgTTL: 3600\n", "inputs.msgTTL: applies only"},
		{"traceEnable without it", "inputs:\n  traceEnable: true\n", "inputs.traceEnable: applies only"},
	},
	"function name": {
		{"plain", "inputs:\n  name: cosflow\n", ""},
		{"dash and underscore inside", "inputs:\n  name: cos-flow_2\n", ""},
		{"one character", "inputs:\n  name: c\n", "inputs.name"},
		{"starts with a digit", "inputs:\n  name: 2cosflow\n", "inputs.name"},
		{"ends with a dash", "inputs:\n  name: cosflow-\n", "inputs.name"},
		{"a dot", "inputs:\n  name: cos.flow\n", "inputs.name"},
		{"61 characters", "inputs:\n  name: c" + strings.Repeat("o", 60) + "\n", "inputs.name"},
	},
	"runtime": {
		{"Go1", "inputs:\n  runtime: Go1\n", ""},
		{"missing", "inputs:\n  name: f\n", "inputs.runtime: missing"},
		{"another runtime", "inputs:\n  runtime: Nodejs16.13\n", "must be Go1"},
		{"wrong case", "inputs:\n  runtime: go1\n", "must be Go1"},
	},
	"memory": {
		{"64", "inputs:\n  memorySize: 64\n", ""},
		{"128", "inputs:\n  memorySize: 128\n", ""},
		{"3072", "inputs:\n  memorySize: 3072\n", ""},
		{"not a step of 128", "inputs:\n  memorySize: 192\n", "inputs.memorySize"},
		{"below 64", "inputs:\n  memorySize: 32\n", "inputs.memorySize"},
		{"above 3072", "inputs:\n  memorySize: 3200\n", "inputs.memorySize"},
		{"a string", "inputs:\n  memorySize: '128'\n", "inputs.memorySize"},
		{"with a unit", "inputs:\n  memorySize: 128MB\n", "inputs.memorySize"},
	},
	"timeout": {
		{"1", "inputs:\n  timeout: 1\n", ""},
		{"900", "inputs:\n  timeout: 900\n", ""},
		{"0", "inputs:\n  timeout: 0\n", "inputs.timeout"},
		{"901", "inputs:\n  timeout: 901\n", "inputs.timeout"},
		{"fraction", "inputs:\n  timeout: 1.5\n", "inputs.timeout"},
		{"duration text", "inputs:\n  timeout: 2m\n", "inputs.timeout"},
	},
	"description": {
		{"allowed characters", "inputs:\n  description: COS uploads, timer ticks and HTTP calls start CI workflows.\n", ""},
		{"Chinese and a newline", "inputs:\n  description: \"上传触发工作流.\\nSecond line\"\n", ""},
		{"an arrow", "inputs:\n  description: COS events -> CI\n", "\"->\" are not allowed"},
		{"a colon", "inputs:\n  description: 'cosflow: CI'\n", "\":\" are not allowed"},
		{"a hyphen", "inputs:\n  description: event-driven\n", "\"-\" are not allowed"},
		{"too long", "inputs:\n  description: " + strings.Repeat("a", 1001) + "\n", "1001 characters, at most 1000"},
	},
	"variables": {
		{"own prefix", "inputs:\n  environment:\n    variables:\n      COSFLOW_DRY_RUN: 'true'\n", ""},
		{"TENCENTCLOUD_", "inputs:\n  environment:\n    variables:\n      TENCENTCLOUD_SECRETID: x\n", "prefix TENCENTCLOUD_ is reserved"},
		{"SCF_", "inputs:\n  environment:\n    variables:\n      SCF_RUNTIME: x\n", "prefix SCF_ is reserved"},
		{"QCLOUD_", "inputs:\n  environment:\n    variables:\n      QCLOUD_APPID: x\n", "prefix QCLOUD_ is reserved"},
		{"reserved prefix in lower case", "inputs:\n  environment:\n    variables:\n      scf_mode: x\n", "prefix SCF_ is reserved"},
		{"empty value", "inputs:\n  environment:\n    variables:\n      COSFLOW_BACKFILLS: ''\n", "must not be empty"},
		{"null value", "inputs:\n  environment:\n    variables:\n      COSFLOW_BACKFILLS:\n", "must not be empty"},
		{"a list value", "inputs:\n  environment:\n    variables:\n      COSFLOW_RULES: [a]\n", "must be a string"},
	},
	"environment size": {
		// 4096 bytes exactly: a 4-byte name and a 4092-byte value.
		{"4096 bytes", "inputs:\n  environment:\n    variables:\n      ABCD: " + strings.Repeat("x", 4092) + "\n", ""},
		{"4097 bytes", "inputs:\n  environment:\n    variables:\n      ABCD: " + strings.Repeat("x", 4093) + "\n", "4097 bytes"},
		{"names count", "inputs:\n  environment:\n    variables:\n      " + strings.Repeat("N", 1000) + ": " + strings.Repeat("x", 3097) + "\n", "4097 bytes"},
		{"spread over variables", "inputs:\n  environment:\n    variables:\n      A: " + strings.Repeat("x", 2047) + "\n      B: " + strings.Repeat("x", 2048) + "\n", "4097 bytes"},
		{"an env reference counts as written", "inputs:\n  environment:\n    variables:\n      T: ${env:COSFLOW_API_TOKEN}\n", ""},
	},
	"triggers": {
		{"cos, timer and http", "inputs:\n  events:\n    - cos:\n        parameters:\n          bucket: b-1.cos.ap-guangzhou.myqcloud.com\n          filter:\n            prefix: uploads/\n          events: 'cos:ObjectCreated:*'\n          enable: true\n    - timer:\n        parameters:\n          name: nightly\n          cronExpression: '0 0 2 * * * *'\n          enable: true\n    - http:\n        parameters:\n          qualifier: $DEFAULT\n          authType: NONE\n          netConfig:\n            enableIntranet: true\n            enableExtranet: true\n", ""},
		{"a documented type we do not use", "inputs:\n  events:\n    - cls:\n        parameters:\n          topicId: t\n          enable: true\n", ""},
		{"apigw", "inputs:\n  events:\n    - apigw:\n        parameters:\n          endpoints: []\n", "switched off on 2025-06-30"},
		{"unknown type", "inputs:\n  events:\n    - url:\n        parameters: {}\n", "not a documented trigger type"},
		{"two types in one item", "inputs:\n  events:\n    - cos: {parameters: {enable: true}}\n      timer: {parameters: {enable: true}}\n", "one key, the trigger type"},
		{"cos without enable", "inputs:\n  events:\n    - cos:\n        parameters:\n          bucket: b\n", "enable: must be true"},
		{"timer disabled", "inputs:\n  events:\n    - timer:\n        parameters:\n          cronExpression: '0 0 2 * * * *'\n          enable: false\n", "enable: must be true"},
		{"unknown cos parameter", "inputs:\n  events:\n    - cos:\n        parameters:\n          enable: true\n          prefix: uploads/\n", "cos.parameters.prefix: not a documented key"},
		{"unknown http netConfig key", "inputs:\n  events:\n    - http:\n        parameters:\n          netConfig:\n            enableInternet: true\n", "netConfig.enableInternet: not a documented key"},
		{"http authType", "inputs:\n  events:\n    - http:\n        parameters:\n          authType: TOKEN\n", "must be one of NONE, CAM"},
		{"no parameters", "inputs:\n  events:\n    - timer:\n        name: nightly\n", "parameters: missing"},
		{"timer argument over 4 KB", "inputs:\n  events:\n    - timer:\n        parameters:\n          enable: true\n          argument: " + strings.Repeat("x", 4097) + "\n", "4097 bytes, at most 4096"},
	},
	"cron": {
		{"daily at 02:00", "inputs:\n  events:\n    - timer:\n        parameters:\n          cronExpression: '0 0 2 * * * *'\n", ""},
		{"lists, ranges, steps and names", "inputs:\n  events:\n    - timer:\n        parameters:\n          cronExpression: '*/30 0,30 9-17 1-31/2 JAN-MAR MON-FRI 2026-2099'\n", ""},
		{"five fields", "inputs:\n  events:\n    - timer:\n        parameters:\n          cronExpression: '0 2 * * *'\n", "5 fields, want 7"},
		{"six fields", "inputs:\n  events:\n    - timer:\n        parameters:\n          cronExpression: '0 0 2 * * *'\n", "6 fields, want 7"},
		{"hour 24", "inputs:\n  events:\n    - timer:\n        parameters:\n          cronExpression: '0 0 24 * * * *'\n", "hour field"},
		{"day 0", "inputs:\n  events:\n    - timer:\n        parameters:\n          cronExpression: '0 0 2 0 * * *'\n", "day field"},
		{"week 7", "inputs:\n  events:\n    - timer:\n        parameters:\n          cronExpression: '0 0 2 * * 7 *'\n", "week field"},
		{"year 1969", "inputs:\n  events:\n    - timer:\n        parameters:\n          cronExpression: '0 0 2 * * * 1969'\n", "year field"},
		{"question mark", "inputs:\n  events:\n    - timer:\n        parameters:\n          cronExpression: '0 0 2 ? * * *'\n", "day field"},
		{"zero step", "inputs:\n  events:\n    - timer:\n        parameters:\n          cronExpression: '*/0 * * * * * *'\n", "second field"},
		{"backwards range", "inputs:\n  events:\n    - timer:\n        parameters:\n          cronExpression: '0 0 17-9 * * * *'\n", "backwards"},
		{"missing", "inputs:\n  events:\n    - timer:\n        parameters:\n          enable: true\n", "cronExpression: missing"},
	},
}

func TestRules(t *testing.T) {
	for _, r := range rules {
		cases := ruleCases[r.name]
		bad := 0
		for _, c := range cases {
			if c.want != "" {
				bad++
			}
		}
		if bad == 0 {
			t.Errorf("rule %q has no failing case: a rule that cannot fail proves nothing", r.name)
		}
		for _, c := range cases {
			t.Run(r.name+"/"+c.name, func(t *testing.T) {
				root, err := parse([]byte(c.yml))
				if err != nil {
					t.Fatalf("fragment does not parse: %v", err)
				}
				ps := r.check(root)
				if c.want == "" {
					for _, p := range ps {
						t.Errorf("unexpected problem: %s", p)
					}
					return
				}
				for _, p := range ps {
					if strings.Contains(p.String(), c.want) {
						return
					}
				}
				t.Errorf("no problem containing %q; got %v", c.want, ps)
			})
		}
	}
	for name := range ruleCases {
		found := false
		for _, r := range rules {
			found = found || r.name == name
		}
		if !found {
			t.Errorf("ruleCases[%q] names no rule", name)
		}
	}
}
