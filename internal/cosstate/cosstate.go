// Package cosstate keeps small JSON state objects in a COS bucket, the one
// store a deployment already has: read one into a value, write one over
// whatever is there, or create one only while its key is free, learning
// whether this caller's object is the one stored even when COS's answer
// to the create was lost.
//
// A state object is JSON, {"token": "...", "value": <the caller's value>},
// at most cosclient.MaxObjectBodyLen bytes in all. The token names the
// caller that created it (Create); a written one (Write) has none.
//
// Keys are the caller's. State objects are objects like any other: they
// are listed, they raise COS's upload events, lifecycle rules expire them.
package cosstate

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cosflow/cosflow/cosclient"
)

// ErrNotFound is wrapped by Read when the key holds no object.
var ErrNotFound = errors.New("no such state object")

// ErrVersioned is wrapped by Create when COS answered with a version ID:
// the bucket keeps versions, on which COS is reported to ignore
// x-cos-forbid-overwrite, so a second creator may have been told it
// stored the key too. Create then reports no win. A bucket whose
// versioning is suspended sends no version ID and is not detected.
var ErrVersioned = errors.New("the bucket keeps versions: an exclusive create there is not exclusive")

// contentType is what state objects are stored as.
const contentType = "application/json"

// maxRounds bounds the PUTs one Write or Create sends when COS's answers
// are lost: each round after the first follows a failure that left the
// outcome unknown.
const maxRounds = 3

// Store reads and writes state objects through a cosclient.Client. It is
// safe for concurrent use.
type Store struct {
	client *cosclient.Client
	optFns []func(*cosclient.Options) // every call's, e.g. cosclient.WithBucket
}

// New returns a Store that calls through client, with optFns applied to
// every call (cosclient.WithBucket names another bucket than the
// client's).
func New(client *cosclient.Client, optFns ...func(*cosclient.Options)) *Store {
	return &Store{client: client, optFns: optFns}
}

// envelope is a state object as stored.
type envelope struct {
	Token string          `json:"token,omitempty"`
	Value json.RawMessage `json:"value"`
}

// NewToken returns a token for Create: 128 random bits as text.
func NewToken() string { return rand.Text() }

// Read decodes the value stored at key into v (as encoding/json does). A
// key that holds no object is an error wrapping ErrNotFound; an object
// over cosclient.MaxObjectBodyLen is one wrapping
// cosclient.ErrAnswerTooLarge, and no more than that is read.
func (s *Store) Read(ctx context.Context, key string, v any) error {
	env, _, err := s.read(ctx, key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(env.Value, v); err != nil {
		return fmt.Errorf("read state %q: %w", key, err)
	}
	return nil
}

// Write stores v as JSON at key, over any object there.
//
// An overwrite with the same body is the same write, so when COS's answer
// is lost after the request went out, Write sends it again (up to three
// PUTs in all); cosclient itself never re-sends a PutObject.
func (s *Store) Write(ctx context.Context, key string, v any) error {
	in, err := s.input(key, "", v)
	if err != nil {
		return err
	}
	for round := 1; ; round++ {
		_, err := s.client.PutObject(ctx, in, s.optFns...)
		if err == nil {
			return nil
		}
		if !cosclient.MayHaveTakenEffect(err) || round == maxRounds || ctx.Err() != nil {
			return fmt.Errorf("write state %q: %w", key, err)
		}
	}
}

// Create stores v at key unless the key holds an object, and reports
// whether the object stored there is this caller's: won is true for
// exactly one of any number of concurrent creators of a key, and false
// for everyone once it holds an object written otherwise.
//
// token names the caller (NewToken makes one; it must not be empty) and
// is stored with the object. When COS's answer to the create is lost, or
// it refuses the key, Create reads the object back: it is this caller's
// if it carries this token. A create that landed although its answer was
// lost therefore counts as won, and so does a second Create with the same
// token, which is how a caller settles an earlier call that failed: on
// any error the caller has not won, and the same call again with the same
// token tells it whether it did.
//
// This relies on COS honouring x-cos-forbid-overwrite (see
// cosclient.ObjectExists): a bucket that keeps versions fails with
// ErrVersioned.
func (s *Store) Create(ctx context.Context, key, token string, v any) (won bool, err error) {
	if token == "" {
		return false, fmt.Errorf("create state %q: the token is empty", key)
	}
	in, err := s.input(key, token, v)
	if err != nil {
		return false, err
	}
	in.ForbidOverwrite = true
	for round := 1; ; round++ {
		out, err := s.client.PutObject(ctx, in, s.optFns...)
		if err == nil {
			if out.VersionID != "" {
				return false, fmt.Errorf("create state %q: %w", key, ErrVersioned)
			}
			return true, nil
		}
		if !cosclient.ObjectExists(err) && !cosclient.MayHaveTakenEffect(err) {
			return false, fmt.Errorf("create state %q: %w", key, err)
		}
		// Refused, or the outcome is unknown: the object there says whose
		// it is.
		held, versionID, readErr := s.read(ctx, key)
		switch {
		case readErr == nil && versionID != "":
			return false, fmt.Errorf("create state %q: %w", key, ErrVersioned)
		case readErr == nil:
			return held.Token == token, nil
		case !errors.Is(readErr, ErrNotFound):
			return false, fmt.Errorf("create state %q: %w; reading it back: %w", key, err, readErr)
		case round == maxRounds || ctx.Err() != nil:
			return false, fmt.Errorf("create state %q: absent after %d creates: %w", key, round, err)
		}
		// Absent: the create did not land, or the object went since it
		// was refused. The key is free: create it again.
	}
}

// input is the PUT of v at key, with token.
func (s *Store) input(key, token string, v any) (*cosclient.PutObjectInput, error) {
	value, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode state %q: %w", key, err)
	}
	body, err := json.Marshal(envelope{Token: token, Value: value})
	if err != nil {
		return nil, fmt.Errorf("encode state %q: %w", key, err)
	}
	return &cosclient.PutObjectInput{Key: key, Body: body, ContentType: contentType}, nil
}

// read fetches and decodes the object at key, and the version ID COS
// answered with it.
func (s *Store) read(ctx context.Context, key string) (envelope, string, error) {
	var env envelope
	out, err := s.client.GetObject(ctx, &cosclient.GetObjectInput{Key: key}, s.optFns...)
	var nf *cosclient.NotFoundError
	switch {
	case errors.As(err, &nf):
		return env, "", fmt.Errorf("read state %q: %w: %w", key, ErrNotFound, err)
	case err != nil:
		return env, "", fmt.Errorf("read state %q: %w", key, err)
	}
	if err := json.Unmarshal(out.Body, &env); err != nil {
		return env, "", fmt.Errorf("read state %q: not a state object: %w", key, err)
	}
	return env, out.VersionID, nil
}
