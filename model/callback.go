package model

// CallbackResult is what cosflow made of one CI completion callback, the
// answer of POST /v1/callbacks/ci. RunID is the run the callback names;
// every other field but Action, Reason and CICalls is read back from CI
// (DescribeWorkflowExecution, the bucket listing, the execution list),
// never taken from the callback's body.
type CallbackResult struct {
	// Action is one of the Callback* constants.
	Action string `json:"action"`
	// Reason says why nothing was started: why the callback was ignored,
	// or what the run's history decided (done, wait, exhausted, claimed
	// elsewhere).
	Reason string `json:"reason,omitempty"`
	// RunID is the callback's run, once it is known to be a run ID.
	RunID string `json:"runId"`
	// WorkflowID, Key and State are the run's, as CI answered.
	WorkflowID string `json:"workflowId,omitempty"`
	Key        string `json:"key,omitempty"`
	State      string `json:"state,omitempty"`
	// Code and Message are the failing task's, for a failed run.
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	// Runs is how many runs the upload has had, when its history was read.
	Runs int `json:"runs,omitempty"`
	// InstanceID is the new run a redrive started.
	InstanceID string `json:"instanceId,omitempty"`
	// CICalls is how many calls to CI and COS answering the callback took.
	CICalls int `json:"ciCalls"`
}

// The actions of a CallbackResult.
const (
	// CallbackIgnored: the callback names nothing cosflow acts on (another
	// event, bucket or workflow, an unknown run, a run of an older upload
	// or one a later run followed); nothing was started.
	CallbackIgnored = "ignored"
	// CallbackFinished: the run was read back and has ended (or is still
	// running); its history asked for no new run, or another claimant
	// started it.
	CallbackFinished = "finished"
	// CallbackRedriven: the run failed, attempts remained, and this
	// callback started the next run (InstanceID).
	CallbackRedriven = "redriven"
	// CallbackPlanned: as CallbackRedriven, in a dry run: nothing was
	// started.
	CallbackPlanned = "planned"
)
