// Package doctor checks a cosflow deployment against CI for the silent
// misconfigurations that only show on the bill: the checks of
// `cosflow doctor` and of the reconcile sweep. It takes plain filters,
// rules and workflows, not the handler's configuration, so the function
// and the command line share one set of checks.
package doctor
