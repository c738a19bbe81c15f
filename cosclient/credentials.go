package cosclient

import (
	"context"
	"errors"
	"os"
)

// Credentials are what a request is signed with.
type Credentials struct {
	SecretID     string
	SecretKey    string
	SessionToken string // temporary credentials only; sent as x-cos-security-token and x-ci-security-token
}

// CredentialsProvider yields the credentials for one request. It is asked
// at every attempt, because SCF rotates temporary credentials between calls.
type CredentialsProvider interface {
	Credentials(ctx context.Context) (Credentials, error)
}

// StaticCredentials always yields the same credentials.
type StaticCredentials Credentials

// Credentials implements CredentialsProvider.
func (s StaticCredentials) Credentials(context.Context) (Credentials, error) {
	if s.SecretID == "" || s.SecretKey == "" {
		return Credentials{}, ErrMissingCredentials
	}
	return Credentials(s), nil
}

// Environment variables EnvCredentials reads (SCF sets them for the
// function's role).
const (
	EnvSecretID     = "TENCENTCLOUD_SECRETID"
	EnvSecretKey    = "TENCENTCLOUD_SECRETKEY"
	EnvSessionToken = "TENCENTCLOUD_SESSIONTOKEN"
)

// EnvCredentials reads TENCENTCLOUD_SECRETID, TENCENTCLOUD_SECRETKEY and
// TENCENTCLOUD_SESSIONTOKEN from the environment at every request.
type EnvCredentials struct{}

// Credentials implements CredentialsProvider.
func (EnvCredentials) Credentials(context.Context) (Credentials, error) {
	c := Credentials{
		SecretID:     os.Getenv(EnvSecretID),
		SecretKey:    os.Getenv(EnvSecretKey),
		SessionToken: os.Getenv(EnvSessionToken),
	}
	if c.SecretID == "" || c.SecretKey == "" {
		return Credentials{}, errEnvCredentials
	}
	return c, nil
}

// ErrMissingCredentials is wrapped when a provider has no SecretId or
// SecretKey to sign with. It is not retried.
var ErrMissingCredentials = errors.New("missing credentials: SecretId and SecretKey are required")

var errEnvCredentials = &credentialsError{msg: EnvSecretID + " and " + EnvSecretKey + " must both be set"}

type credentialsError struct{ msg string }

func (e *credentialsError) Error() string { return ErrMissingCredentials.Error() + ": " + e.msg }
func (e *credentialsError) Unwrap() error { return ErrMissingCredentials }
