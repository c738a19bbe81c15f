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
	// Name identifies the rule in logs; unique (Config's unique tag).
	Name string `json:"name" validate:"required"`
	// Prefix and Suffix, when set, must begin and end the object key.
	Prefix string `json:"prefix,omitempty" validate:"ci_prefix"`
	Suffix string `json:"suffix,omitempty" validate:"ci_prefix"`
	// Events are event-name patterns; a trailing '*' matches any rest
	// ("cos:ObjectCreated:*"). Empty means every created event.
	Events []string `json:"events,omitempty"`
	// MinSize and MaxSize bound the object size in bytes; 0 is no bound.
	MinSize int64 `json:"minSize,omitempty" validate:"gte=0"`
	MaxSize int64 `json:"maxSize,omitempty" validate:"gte=0"`
	// WorkflowID is the workflow to trigger.
	WorkflowID string `json:"workflowId" validate:"required,ci_workflow_id"`
}

// createdEvents is what an empty Events list means.
const createdEvents = "cos:ObjectCreated:*"

// Matches reports whether the rule fires for obj.
func (r *Rule) Matches(obj *events.ObjectRef) bool {
	if !r.matchesObject(obj.Key, obj.Size) {
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

// matchesObject applies the rule's key and size conditions.
func (r *Rule) matchesObject(key string, size int64) bool {
	return r.matchesKey(key) && !(r.MinSize > 0 && size < r.MinSize || r.MaxSize > 0 && size > r.MaxSize)
}

// matchesKey applies the rule's key conditions.
func (r *Rule) matchesKey(key string) bool {
	return strings.HasPrefix(key, r.Prefix) && strings.HasSuffix(key, r.Suffix)
}

// coversCreated reports whether the rule fires for some kind of upload
// (an ObjectCreated event): a bucket listing does not say how an object
// was created, so a sweep serves the rules that take any creation.
func (r *Rule) coversCreated() bool {
	if len(r.Events) == 0 {
		return true
	}
	for _, p := range r.Events {
		if eventMatches(p, createdEvents) || eventMatches(createdEvents, p) {
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
		return fmt.Sprintf("%q is not a COS event pattern like \"cos:ObjectCreated:*\"", clip.String(p, maxValueEcho))
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
