package deploycheck

// The documented schema, with where each part is documented. Sources:
//
//   - [component docs]: github.com/serverless-components/tencent-scf
//     docs/configure.md (after v0.9.10): the inputs table and each
//     trigger's parameter table.
//   - [component schema]: serverless.component.yml in the same repository:
//     memory values, name pattern, the clb trigger's parameters.
//   - [framework docs]: cloud.tencent.com/document/product/1154/43228 (scf
//     component): the `http` event (Function URL) with qualifier, authType,
//     netConfig {enableIntranet, enableExtranet}.
//   - [toolkit]: github.com/serverless-tencent/tencent-component-toolkit
//     src/modules/triggers: index.ts maps the trigger types, http.ts reads
//     the http parameters (name too).
//   - [API]: SCF API 2018-04-16, CreateFunction / CreateTrigger / Variable
//     (as in tccli's tccli/services/scf/v20180416/api.json).
//   - [timer docs]: tencentcloud.com/document/product/583/9708: cron fields
//     and ranges; the argument is at most 4 KB.

// shape is what a YAML value may look like: a mapping with the listed keys
// (a nil *shape value: present, not checked further), a sequence whose
// items have one shape, and for keys that take a string or a mapping
// (src), scalar says a plain value is fine too.
type shape struct {
	keys   map[string]*shape
	items  *shape
	scalar bool
}

func mapping(keys map[string]*shape) *shape { return &shape{keys: keys} }

// fields is a mapping whose listed keys are not checked further.
func fields(names ...string) *shape {
	m := make(map[string]*shape, len(names))
	for _, n := range names {
		m[n] = nil
	}
	return mapping(m)
}

// topShape is the file: app/stage/org name the application, component and
// name the instance [component docs].
var topShape = mapping(map[string]*shape{
	"org":       nil,
	"app":       nil,
	"stage":     nil,
	"component": nil,
	"name":      nil,
	"inputs":    inputsShape,
})

// inputsShape lists every input in the [component docs] table. Absent on
// purpose: enableRoleAuth (read by nothing; dropped from the docs in 2021).
// events are checked by the triggers rule.
var inputsShape = mapping(map[string]*shape{
	"src":               {scalar: true, keys: map[string]*shape{"src": nil, "exclude": nil, "bucket": nil, "object": nil}},
	"type":              nil,
	"name":              nil,
	"namespace":         nil,
	"handler":           nil,
	"entryFile":         nil,
	"role":              nil,
	"runtime":           nil,
	"region":            nil,
	"description":       nil,
	"memorySize":        nil,
	"timeout":           nil,
	"initTimeout":       nil,
	"eip":               nil,
	"publicAccess":      nil,
	"environment":       mapping(map[string]*shape{"variables": nil}),
	"vpcConfig":         fields("vpcId", "subnetId"),
	"layers":            {items: fields("name", "version")},
	"deadLetter":        fields("type", "name", "filterType"),
	"cls":               fields("logsetId", "topicId"),
	"asyncRunEnable":    nil,
	"traceEnable":       nil,
	"msgTTL":            nil,
	"retryNum":          nil,
	"installDependency": nil,
	"tags":              nil,
	"cfs":               {items: fields("cfsId", "mountInsId", "localMountDir", "remoteMountDir")},
	"ignoreTriggers":    nil,
	"events":            nil,
	"image":             fields("registryId", "imageType", "imageUrl", "command", "args"),
	"protocolType":      nil,
	"protocolParams":    mapping(map[string]*shape{"wsParams": fields("idleTimeOut")}),
	"provisionedNum":    nil,
	"qualifier":         nil,
})

// asyncOnlyInputs take effect only with asyncRunEnable: true (long-running
// mode) [component docs]; the toolkit applies retryNum/msgTTL only then.
var asyncOnlyInputs = []string{"msgTTL", "retryNum", "traceEnable"}

// triggerEntryShape is one `events` item's value: an optional trigger name
// and its parameters [component docs, Event table].
func triggerEntryShape(params *shape) *shape {
	return mapping(map[string]*shape{"name": nil, "parameters": params})
}

// triggerParams are the parameters each trigger type documents. apigw is
// a documented type but is refused by the triggers rule (API gateway
// triggers could not be created after 2024-07-01 and were switched off
// on 2025-06-30; the Function URL, type http, replaces them).
var triggerParams = map[string]*shape{
	// [component docs], name from the [component schema].
	"timer": fields("name", "qualifier", "cronExpression", "enable", "argument"),
	// [component docs].
	"cos": mapping(map[string]*shape{
		"qualifier": nil, "bucket": nil, "filter": fields("prefix", "suffix"), "events": nil, "enable": nil,
	}),
	// [framework docs]; name from the [toolkit] (default url-trigger).
	"http": mapping(map[string]*shape{
		"qualifier": nil, "name": nil, "authType": nil, "netConfig": fields("enableIntranet", "enableExtranet"),
	}),
	// [component docs].
	"cmq":    fields("qualifier", "name", "filterType", "filterKey", "enable"),
	"ckafka": fields("qualifier", "name", "topic", "maxMsgNum", "offset", "retry", "timeout", "enable"),
	"cls":    fields("qualifier", "topicId", "maxWait", "enable"),
	"mps":    fields("qualifier", "type", "enable"),
	// [component schema].
	"clb": fields("loadBalanceId", "protocol", "port", "domain", "url", "weight"),
}

// switchedOffTriggers are documented types the platform no longer serves.
var switchedOffTriggers = map[string]string{
	"apigw": "API gateway triggers could not be created after 2024-07-01 and were switched off on 2025-06-30: use an http trigger (Function URL)",
}

// enableDefaultsFalse are the trigger types whose `enable` defaults to
// false [component docs]: without enable: true the trigger is created
// switched off.
var enableDefaultsFalse = []string{"timer", "cos", "cmq", "ckafka", "cls", "mps"}

// httpAuthTypes are the Function URL's authentication types [toolkit].
var httpAuthTypes = []string{"NONE", "CAM"}

const (
	// maxTimerArgument is the timer argument's limit in bytes [timer docs].
	maxTimerArgument = 4096
	// maxDescription is the description's limit in characters [API].
	maxDescription = 1000
	// maxEnvironment is the limit on all environment variables of a
	// function together, names and values, in bytes (platform quota).
	maxEnvironment = 4096
)

// reservedPrefixes are variable name prefixes the platform keeps for itself.
var reservedPrefixes = []string{"TENCENTCLOUD_", "SCF_", "QCLOUD_"}

// cronFields are the 7 fields of a timer's cronExpression, in order, with
// their ranges and names [timer docs]. Each field takes , - * / .
var cronFields = []cronField{
	{name: "second", min: 0, max: 59},
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day", min: 1, max: 31},
	{name: "month", min: 1, max: 12, names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	{name: "week", min: 0, max: 6, names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}},
	{name: "year", min: 1970, max: 2099},
}

type cronField struct {
	name     string
	min, max int
	// names[i] stands for min+i.
	names []string
}
