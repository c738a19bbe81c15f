// Package model is cosflow's JSON model of CI work: the jobs and runs, the
// requests that start them and the answers that report them, as the REST
// API (package handler/api) takes and answers them, the timer's backfill
// specs spell them (package handler) and `cosflow -o json` prints them
// (package cli). CI's own XML wire types stay in cosclient, without JSON;
// the mapping between the two lives here, once, and so does Target, the
// bucket and region every request names and every call is sent to.
//
// Field rules are declared as validate tags naming the CI rule they apply
// (see internal/cirules); rules between fields are CI's own, checked by
// cosclient's inputs, and reported under this model's JSON names.
package model

import (
	"log/slog"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/cirules"
	"github.com/cosflow/cosflow/internal/valid"
)

// Target is the bucket and region a CI call works on: the members every
// request and spec that names one embeds. Empty fields take the
// configured defaults (Or).
type Target struct {
	Bucket string `json:"bucket,omitempty" validate:"omitempty,ci_bucket"`
	Region string `json:"region,omitempty" validate:"omitempty,ci_region"`
}

// Or is t with each empty field taken from def.
func (t Target) Or(def Target) Target {
	if t.Bucket == "" {
		t.Bucket = def.Bucket
	}
	if t.Region == "" {
		t.Region = def.Region
	}
	return t
}

// Options send a call to the target's bucket and region, its attempt
// lines to log: how every call of the REST API, the timer and the sweep
// goes out.
func (t Target) Options(log *slog.Logger) []func(*cosclient.Options) {
	return []func(*cosclient.Options){cosclient.WithBucket(t.Bucket, t.Region), cosclient.WithLogger(log)}
}

// FieldError turns a cosclient validation failure into a *valid.FieldError
// with this model's field names (operation.workflowIds); any other error
// becomes one naming no field; nil stays nil.
func FieldError(err error) error {
	if err == nil {
		return nil
	}
	if fe := cirules.FieldError(err, "", nil); fe != nil {
		return fe
	}
	return &valid.FieldError{Reason: err.Error()}
}
