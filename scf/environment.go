package scf

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
)

// EnvironmentError reports a call's Environment (the JSON object of
// variables in messages.InvokeRequest) that could not be decoded or
// applied. Its message never contains the variables' values, which include
// the role's temporary credentials.
type EnvironmentError struct {
	Key string // the offending variable, empty when the JSON itself is bad
	Err error
}

// Error names the offending variable (never its value).
func (e *EnvironmentError) Error() string {
	if e.Key != "" {
		return fmt.Sprintf("scf: apply environment variable %q: %v", e.Key, e.Err)
	}
	return fmt.Sprintf("scf: decode environment: %v", e.Err)
}

// Unwrap returns the underlying JSON or os.Setenv error.
func (e *EnvironmentError) Unwrap() error { return e.Err }

// decodeEnvironment parses the call's Environment, a JSON object of string
// values. An empty string means no variables.
func decodeEnvironment(raw string) (map[string]string, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	var env map[string]string
	if err := json.Unmarshal([]byte(raw), &env); err != nil {
		// json errors name types and offsets, not the offending values.
		return nil, &EnvironmentError{Err: err}
	}
	for key := range env {
		if key == "" || strings.ContainsAny(key, "=\x00") {
			return nil, &EnvironmentError{Key: key, Err: fmt.Errorf("invalid variable name")}
		}
	}
	return env, nil
}

// applyEnvironment sets every variable in the process environment. It runs
// before each handler call because SCF rotates the temporary credentials
// between calls; handlers must read them per call.
func applyEnvironment(env map[string]string) error {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic order, so a failure is reproducible
	for _, k := range keys {
		if err := os.Setenv(k, env[k]); err != nil {
			return &EnvironmentError{Key: k, Err: err}
		}
	}
	return nil
}
