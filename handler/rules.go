package handler

import (
	"fmt"
	"strings"

	"github.com/cosflow/cosflow/events"
	"github.com/cosflow/cosflow/internal/clip"
)

// Rule says which uploads trigger which workflow. Every rule that matches
// an upload fires.
type Rule struct {
	// Name identifies the rule in logs; unique.
	Name string `json:"name" validate:"required"`
	// Prefix and Suffix, when set, must begin and end the object key.
	Prefix string `json:"prefix,omitempty"`
	Suffix string `json:"suffix,omitempty"`
	// Events are event-name patterns; a trailing '*' matches any rest
	// ("cos:ObjectCreated:*"). Empty means every created event.
	Events []string `json:"events,omitempty"`
	// MinSize and MaxSize bound the object size in bytes; 0 is no bound.
	MinSize int64 `json:"minSize,omitempty" validate:"gte=0"`
	MaxSize int64 `json:"maxSize,omitempty" validate:"gte=0"`
	// WorkflowID is the workflow to trigger.
	WorkflowID string `json:"workflowId" validate:"required,ci_workflowid"`
}

// createdEvents is what an empty Events list means.
const createdEvents = "cos:ObjectCreated:*"

// Matches reports whether the rule fires for obj.
func (r *Rule) Matches(obj *events.ObjectRef) bool {
	if !strings.HasPrefix(obj.Key, r.Prefix) || !strings.HasSuffix(obj.Key, r.Suffix) {
		return false
	}
	if r.MinSize > 0 && obj.Size < r.MinSize || r.MaxSize > 0 && obj.Size > r.MaxSize {
		return false
	}
	if len(r.Events) == 0 {
		return eventMatches(createdEvents, obj.EventName)
	}
	for _, p := range r.Events {
		if eventMatches(p, obj.EventName) {
			return true
		}
	}
	return false
}

// eventMatches matches an event name against a pattern whose only
// wildcard is a trailing '*'.
func eventMatches(pattern, name string) bool {
	if head, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(name, head)
	}
	return pattern == name
}

// eventPatternProblem explains why p is not a usable event pattern.
func eventPatternProblem(p string) string {
	switch {
	case !strings.HasPrefix(p, "cos:"):
		return fmt.Sprintf("%q is not a COS event pattern like \"cos:ObjectCreated:*\"", clip.String(p, 40))
	case strings.Contains(strings.TrimSuffix(p, "*"), "*"):
		return "'*' is only allowed at the end"
	case strings.ContainsFunc(p, func(r rune) bool { return r <= ' ' || r > '~' }):
		return "must be printable ASCII without spaces"
	}
	return ""
}

// ignoredBy returns the ignore prefix that covers key, if any.
func ignoredBy(prefixes []string, key string) (string, bool) {
	for _, p := range prefixes {
		if strings.HasPrefix(key, p) {
			return p, true
		}
	}
	return "", false
}
