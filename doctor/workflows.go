package doctor

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/cosflow/cosflow/cosclient"
)

// Deployment is what the workflow checks hold CI's workflows to: the
// bucket the uploads come from, its rules, the prefixes under which no
// upload triggers (COSFLOW_IGNORE_PREFIXES with the state prefix), and
// where completion callbacks should go.
type Deployment struct {
	Bucket   string
	Rules    []Rule
	Ignore   []string
	Callback Callback
}

// Callback is cosflow's completion-callback route, as a workflow's
// NotifyConfig should name it: POST CallbackPath?token=Token on the
// Function URL.
type Callback struct {
	// Token is COSFLOW_CALLBACK_TOKEN; "" when the route is off.
	Token string
	// FunctionURL is the function's URL, "" when unknown: the function
	// cannot tell its own, so its sweep compares a callback's path and
	// token only, and the command line its host too when told the URL.
	FunctionURL string
}

// CallbackPath is the path of cosflow's completion-callback route, under
// the Function URL (served by package handler/api).
const CallbackPath = "/v1/callbacks/ci"

// CallbackTokenParam is the query parameter that carries the route's
// token: CI signs nothing and sends no header of the receiver's choosing,
// so the secret can only be in the URL the workflow's NotifyConfig names
// (../shared/spec/ci-api.md, "Run outcomes and workflows").
const CallbackTokenParam = "token"

// WorkflowReader reads workflows (*cosclient.Client).
type WorkflowReader interface {
	DescribeMediaWorkflow(ctx context.Context, params *cosclient.DescribeMediaWorkflowInput, optFns ...func(*cosclient.Options)) (*cosclient.DescribeMediaWorkflowOutput, error)
}

// CheckWorkflows reads the rules' workflows from the deployment's bucket
// in one DescribeMediaWorkflow call and holds them to the rules: for each
// rule, that its workflow exists and in which state (CheckWorkflow),
// whether the workflow's own upload trigger takes the rule's uploads too
// (CheckDoubleRun), and whether the rule takes what the workflow writes
// (CheckLoop); for each workflow, where it posts its completion callbacks
// (CheckCallback). With no rules it still makes the call, listing one
// workflow, to prove that the credentials can read.
//
// When the call fails, the one finding says so (CheckCredentials, naming
// the CAM action a refusal points at) and err is the call's error. The
// call reads only; optFns go to it (the bucket and region).
func CheckWorkflows(ctx context.Context, ci WorkflowReader, d Deployment, optFns ...func(*cosclient.Options)) (findings []Finding, err error) {
	var ids []string
	for _, r := range d.Rules {
		if !slices.Contains(ids, r.WorkflowID) {
			ids = append(ids, r.WorkflowID)
		}
	}
	// An ID lookup is asked in one page of them all (CI documents no
	// largest page size; the default, 10, could page them).
	out, err := ci.DescribeMediaWorkflow(ctx, &cosclient.DescribeMediaWorkflowInput{IDs: ids, PageSize: max(len(ids), 1)}, optFns...)
	if err != nil {
		return []Finding{CallFailed(opDescribeMediaWorkflow, d.Bucket, err)}, err
	}
	findings = append(findings, Finding{Check: CheckCredentials, Level: LevelOK, Message: fmt.Sprintf(
		"%s on bucket %s answered%s", opDescribeMediaWorkflow, d.Bucket, requestIDNote(out.RequestID))})
	for i := range d.Rules {
		findings = append(findings, d.checkRule(&d.Rules[i], out)...)
	}
	for _, id := range ids {
		if w := out.Workflow(id); w != nil {
			if f, ok := d.Callback.check(w); ok {
				findings = append(findings, f)
			}
		}
	}
	return findings, nil
}

// MissingWorkflows are the rules whose workflow CI says does not exist in
// the bucket, by name, with the finding that says so: every trigger of
// theirs would fail, so the sweep skips them. It is the one error
// CheckWorkflow reports.
func MissingWorkflows(findings []Finding) map[string]Finding {
	missing := map[string]Finding{}
	for _, f := range findings {
		if f.Check == CheckWorkflow && f.Level == LevelError {
			missing[f.Rule] = f
		}
	}
	return missing
}

// checkRule holds one rule to its workflow as out lists it.
func (d *Deployment) checkRule(r *Rule, out *cosclient.DescribeMediaWorkflowOutput) []Finding {
	finding := func(check string, level Level, format string, args ...any) Finding {
		return Finding{Check: check, Rule: r.Name, WorkflowID: r.WorkflowID, Level: level, Message: fmt.Sprintf(format, args...)}
	}
	w := out.Workflow(r.WorkflowID)
	switch {
	case w == nil && out.NonExistent(r.WorkflowID):
		return []Finding{finding(CheckWorkflow, LevelError,
			"workflow %s does not exist in bucket %s (CI names it under NonExistIDs): every upload rule %q takes would fail at CI; fix the rule's workflowId or create the workflow in this bucket",
			r.WorkflowID, d.Bucket, r.Name)}
	case w == nil:
		return []Finding{finding(CheckWorkflow, LevelWarn,
			"CI's answer neither lists workflow %s nor names it under NonExistIDs: whether it exists in bucket %s could not be told", r.WorkflowID, d.Bucket)}
	}
	var fs []Finding
	switch {
	case w.State.IsActive():
		fs = append(fs, finding(CheckWorkflow, LevelOK, "workflow %s (%q) exists in bucket %s and is Active", r.WorkflowID, w.Name, d.Bucket))
	case strings.EqualFold(string(w.State), string(cosclient.WorkflowStatePaused)):
		// Graded warn: CI documents that a paused workflow posts no
		// callbacks (callbacks go out "with a workflow enabled",
		// tencentcloud.com/document/api/436/48042) and, being off, starts
		// nothing on uploads; whether TriggerWorkflow runs it is
		// undocumented (the emulator runs it), so the rule may work, or
		// every trigger of it may fail.
		fs = append(fs, finding(CheckWorkflow, LevelWarn,
			"workflow %s (%q) is Paused in bucket %s: CI starts no run of it on uploads and posts no completion callbacks while it is paused (tencentcloud.com/document/api/436/48042), and whether TriggerWorkflow runs a paused workflow is undocumented, so every upload rule %q takes may fail; trigger one object and read its run back, or activate the workflow (first pointing its ObjectPrefix at a prefix no upload uses)",
			r.WorkflowID, w.Name, d.Bucket, r.Name))
	default:
		fs = append(fs, finding(CheckWorkflow, LevelWarn, "workflow %s (%q) is in state %q, neither Active nor Paused", r.WorkflowID, w.Name, w.State))
	}
	fs = append(fs, d.doubleRun(r, w, finding))
	return append(fs, d.loop(r, w, finding))
}

// doubleRun is the double-run check of r against w's own upload trigger,
// which runs while w is Active.
func (d *Deployment) doubleRun(r *Rule, w *cosclient.MediaWorkflow, finding func(string, Level, string, ...any) Finding) Finding {
	start := w.Start()
	switch {
	case !w.State.IsActive():
		return finding(CheckDoubleRun, LevelOK, "the workflow's own upload trigger is off while it is %s", w.State)
	case start == nil:
		return finding(CheckDoubleRun, LevelWarn, "CI's answer shows no Start node input for workflow %s: whether its own upload trigger takes rule %q's uploads could not be told", r.WorkflowID, r.Name)
	}
	got, ok := Overlap(r.filter(d.Ignore), WorkflowFilter{ObjectPrefix: start.ObjectPrefix, ExtFilter: start.ExtFilter})
	if !ok {
		return finding(CheckDoubleRun, LevelOK, "the workflow's own upload trigger (ObjectPrefix %q, %s) takes none of rule %q's uploads",
			start.ObjectPrefix, describeFilter(start.ExtFilter), r.Name)
	}
	caseNote := ""
	if got.CaseFolded {
		caseNote = " (if CI compares extensions regardless of case, which it does not document)"
	}
	return finding(CheckDoubleRun, LevelError,
		"rule %q (prefix %q, suffix %q) and workflow %s's own upload trigger (Active, ObjectPrefix %q, %s) both take uploads such as %q%s: CI starts the workflow by itself and cosflow starts it again, so each runs twice; point the workflow's ObjectPrefix (its Start node, in the CI console) at a prefix no upload uses, and let cosflow trigger it",
		r.Name, r.Prefix, r.Suffix, r.WorkflowID, start.ObjectPrefix, describeFilter(start.ExtFilter), got.Example, caseNote)
}

// loop is the loop check: whether r takes an object w writes into the
// deployment's bucket (a node's Output with no Bucket is read as writing
// there) that no ignore prefix covers.
func (d *Deployment) loop(r *Rule, w *cosclient.MediaWorkflow, finding func(string, Level, string, ...any) Finding) Finding {
	outputs := w.Outputs()
	for _, o := range outputs {
		if o.Bucket != "" && o.Bucket != d.Bucket {
			continue
		}
		for _, tmpl := range o.Objects {
			if example, ok := takesOutput(r.filter(d.Ignore), tmpl); ok {
				return finding(CheckLoop, LevelWarn,
					"workflow %s's node %s writes %q into bucket %s, and rule %q takes such keys (e.g. %q): each output would start the workflow again; write its outputs under a prefix listed in COSFLOW_IGNORE_PREFIXES%s",
					r.WorkflowID, o.Node, tmpl, d.Bucket, r.Name, example, ignoreHint(tmpl))
			}
		}
	}
	if len(outputs) == 0 {
		return finding(CheckLoop, LevelOK, "CI's answer names no output location of workflow %s", r.WorkflowID)
	}
	return finding(CheckLoop, LevelOK, "rule %q takes none of what workflow %s writes", r.Name, r.WorkflowID)
}

// takesOutput reports whether the rule takes a key an output template
// can produce, and gives one. A template's keys begin with its text
// before the first placeholder (${RunId}; CI's examples also write
// {Ext}) and end with its text after the last; one without placeholders
// is one key. Whether CI drops a leading '/' is undocumented: both
// readings are taken, as for a Start node's ObjectPrefix.
func takesOutput(rule RuleFilter, tmpl string) (string, bool) {
	for _, t := range slices.Compact([]string{tmpl, strings.TrimPrefix(tmpl, "/")}) {
		i := strings.IndexAny(t, "${")
		if i < 0 {
			if t != "" && strings.HasPrefix(t, rule.Prefix) && strings.HasSuffix(t, rule.Suffix) && !ignored(rule.Ignore, t) {
				return t, true
			}
			continue
		}
		tail := ""
		if j := strings.LastIndexByte(t, '}'); j > i {
			tail = t[j+1:]
		}
		if key, ok := overlap(rule, []string{t[:i]}, []string{tail}, false); ok {
			return key, true
		}
	}
	return "", false
}

// ignoreHint names the output's fixed prefix as the one to ignore, when
// it has one.
func ignoreHint(tmpl string) string {
	prefix := tmpl
	if i := strings.IndexAny(tmpl, "${"); i >= 0 {
		prefix = tmpl[:i]
	}
	if i := strings.LastIndexByte(prefix, '/'); i > 0 {
		return fmt.Sprintf(" (e.g. add %q)", strings.TrimPrefix(prefix[:i+1], "/"))
	}
	return " (its key begins with a placeholder: give it a fixed prefix first)"
}

// describeFilter says in a few words which keys a Start node's suffix
// filter lets through.
func describeFilter(f *cosclient.ExtFilter) string {
	if _, anyKey := f.Extensions(); anyKey {
		return "every file"
	}
	var kinds []string
	for _, k := range []struct{ name, on string }{{"video", f.Video}, {"audio", f.Audio}, {"image", f.Image}} {
		if strings.EqualFold(strings.TrimSpace(k.on), "true") {
			kinds = append(kinds, k.name)
		}
	}
	if strings.EqualFold(strings.TrimSpace(f.Custom), "true") {
		kinds = append(kinds, fmt.Sprintf("extensions %q", f.CustomExts))
	}
	return "suffix filter " + strings.Join(kinds, ", ")
}

// check is the callback check of w: where it posts WorkflowFinish
// against where cosflow takes it. ok is false when there is nothing to
// say (the route is off and w does not post to it).
func (c Callback) check(w *cosclient.MediaWorkflow) (Finding, bool) {
	f := Finding{Check: CheckCallback, WorkflowID: w.WorkflowID, Level: LevelInfo}
	raw, _, posts := w.FinishCallback()
	u, err := url.Parse(raw)
	if err != nil {
		u = &url.URL{}
	}
	toRoute := posts && strings.HasSuffix(u.Path, CallbackPath)
	switch {
	case c.Token == "" && toRoute:
		f.Message = fmt.Sprintf("workflow %s posts WorkflowFinish to %s, cosflow's callback route, but COSFLOW_CALLBACK_TOKEN is not set: the route is off and the callbacks are lost (the sweep still redrives failed runs)", w.WorkflowID, shown(u))
	case c.Token == "":
		return f, false
	case !w.State.IsActive():
		f.Message = fmt.Sprintf("workflow %s posts no completion callbacks while it is %s (tencentcloud.com/document/api/436/48042): its failed runs wait for the sweep to be redriven", w.WorkflowID, w.State)
	case !posts:
		f.Message = fmt.Sprintf("workflow %s posts no WorkflowFinish callback to a URL (%s): its failed runs wait for the sweep to be redriven; to redrive them at once, set its Start node's NotifyConfig to Url %s, Event WorkflowFinish", w.WorkflowID, describeNotify(w), c.want())
	case !strings.HasSuffix(u.Path, c.path()):
		f.Message = fmt.Sprintf("workflow %s posts WorkflowFinish to %s, not to cosflow's callback route %s: cosflow hears of its failed runs only from the sweep", w.WorkflowID, shown(u), c.want())
	case subtle.ConstantTimeCompare([]byte(u.Query().Get(CallbackTokenParam)), []byte(c.Token)) != 1:
		f.Message = fmt.Sprintf("workflow %s posts WorkflowFinish to %s with a token other than COSFLOW_CALLBACK_TOKEN: the route refuses those callbacks; set the URL to %s", w.WorkflowID, shown(u), c.want())
	case c.FunctionURL != "" && !sameOrigin(u, c.FunctionURL):
		f.Message = fmt.Sprintf("workflow %s posts WorkflowFinish to %s, not to the Function URL %s", w.WorkflowID, shown(u), c.FunctionURL)
	default:
		f.Level = LevelOK
		f.Message = fmt.Sprintf("workflow %s posts WorkflowFinish to cosflow's callback route %s with COSFLOW_CALLBACK_TOKEN", w.WorkflowID, shown(u))
		if c.FunctionURL == "" {
			f.Message += " (its host was not compared: the Function URL is unknown)"
		}
	}
	return f, true
}

// path is the callback URL's path: the Function URL's own, if any, then
// CallbackPath. Unknown, any path ending in CallbackPath is taken.
func (c Callback) path() string {
	if u, err := url.Parse(c.FunctionURL); err == nil && c.FunctionURL != "" {
		return strings.TrimSuffix(u.Path, "/") + CallbackPath
	}
	return CallbackPath
}

// want is the callback URL as a workflow should name it, the token
// itself not shown.
func (c Callback) want() string {
	base := "<Function URL>"
	if c.FunctionURL != "" {
		base = strings.TrimSuffix(c.FunctionURL, "/")
	}
	return base + CallbackPath + "?" + CallbackTokenParam + "=$COSFLOW_CALLBACK_TOKEN"
}

// shown is u as a finding shows it: scheme, host and path, without its
// query (the token) or user information, which may be secrets.
func shown(u *url.URL) string {
	s := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
	if u.RawQuery != "" {
		s += " (query not shown)"
	}
	return s
}

// sameOrigin reports whether u has the scheme and host of the Function
// URL.
func sameOrigin(u *url.URL, functionURL string) bool {
	f, err := url.Parse(functionURL)
	return err == nil && strings.EqualFold(u.Scheme, f.Scheme) && strings.EqualFold(u.Host, f.Host)
}

// describeNotify says what w's notification is set to, when it posts no
// WorkflowFinish to a URL.
func describeNotify(w *cosclient.MediaWorkflow) string {
	start := w.Start()
	if start == nil || start.NotifyConfig == nil {
		return "it has no NotifyConfig"
	}
	n := start.NotifyConfig
	return fmt.Sprintf("its NotifyConfig has State %q, Event %q, Type %q", n.State, n.Event, n.Type)
}

// opDescribeMediaWorkflow is the one CI operation the checks call.
const opDescribeMediaWorkflow = "DescribeMediaWorkflow"

// camActions are the CAM actions CI's operations need, as its API
// reference names them: DescribeMediaWorkflow (GET /workflow) needs
// ci:DescribeMediaWorkflows (the reference's authorization note, mirrored
// at yunxiaoer.com/145328.html; its execution list, for comparison, needs
// ci:DescribeMediaWorkflowExecutions, tencentcloud.com/document/product/
// 1045/51276).
var camActions = map[string]string{
	opDescribeMediaWorkflow: "ci:DescribeMediaWorkflows",
}

// CallFailed is the finding for a read call of op on bucket that failed
// (CheckCredentials, an error): what CI answered and, for a refusal of
// access (403, AccessDenied), the CAM action to grant.
func CallFailed(op, bucket string, err error) Finding {
	f := Finding{Check: CheckCredentials, Level: LevelError}
	var ae smithy.APIError
	status, reqID := cosclient.ErrorStatus(err), requestIDNote(cosclient.ErrorRequestID(err))
	switch {
	case errors.As(err, &ae) && (status == 403 || ae.ErrorCode() == "AccessDenied"):
		f.Message = fmt.Sprintf("CI refused %s on bucket %s (%s: %s)%s: the credentials lack the CAM action %s on the bucket; grant it",
			op, bucket, ae.ErrorCode(), ae.ErrorMessage(), reqID, camActions[op])
	case errors.As(err, &ae):
		f.Message = fmt.Sprintf("CI refused %s on bucket %s (%s: %s)%s", op, bucket, ae.ErrorCode(), ae.ErrorMessage(), reqID)
	default:
		f.Message = fmt.Sprintf("%s on bucket %s failed: %v", op, bucket, err)
	}
	return f
}

// requestIDNote is " (request ID id)" for a message, or "".
func requestIDNote(id string) string {
	if id == "" {
		return ""
	}
	return " (request ID " + id + ")"
}
