package cosclient

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// ErrMissingCredentials is wrapped when a provider has no SecretId or
// SecretKey to sign with. It is not retried.
var ErrMissingCredentials = errors.New("missing credentials: SecretId and SecretKey are required")

// missing is an ErrMissingCredentials saying where the provider looked.
func missing(where string) error { return &missingError{where} }

// missingError is what missing returns: where is kept apart so that
// ChainCredentials can list each provider's without parsing messages.
type missingError struct{ where string }

func (e *missingError) Error() string { return ErrMissingCredentials.Error() + ": " + e.where }
func (e *missingError) Unwrap() error { return ErrMissingCredentials }

// StaticCredentials always yields the same credentials.
type StaticCredentials Credentials

// Credentials implements CredentialsProvider.
func (s StaticCredentials) Credentials(context.Context) (Credentials, error) {
	if s.SecretID == "" || s.SecretKey == "" {
		return Credentials{}, ErrMissingCredentials
	}
	return Credentials(s), nil
}

// The environment variables of the two spellings: SCF's, which the
// platform sets for the function's role, and the Tencent Cloud SDKs'
// (tencentcloud-sdk-go's DefaultEnvProvider), which operators set.
const (
	EnvSecretID     = "TENCENTCLOUD_SECRETID"
	EnvSecretKey    = "TENCENTCLOUD_SECRETKEY"
	EnvSessionToken = "TENCENTCLOUD_SESSIONTOKEN"

	EnvSDKSecretID     = "TENCENTCLOUD_SECRET_ID"
	EnvSDKSecretKey    = "TENCENTCLOUD_SECRET_KEY"
	EnvSDKSessionToken = "TENCENTCLOUD_SESSION_TOKEN"
)

// EnvCredentials reads TENCENTCLOUD_SECRETID, TENCENTCLOUD_SECRETKEY and
// TENCENTCLOUD_SESSIONTOKEN (SCF's spelling) from the environment at every
// request.
type EnvCredentials struct{}

// Credentials implements CredentialsProvider.
func (EnvCredentials) Credentials(context.Context) (Credentials, error) {
	return envCredentials(EnvSecretID, EnvSecretKey, EnvSessionToken)
}

// SDKEnvCredentials reads TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY
// and TENCENTCLOUD_SESSION_TOKEN (the Tencent Cloud SDKs' spelling) at
// every request.
type SDKEnvCredentials struct{}

// Credentials implements CredentialsProvider.
func (SDKEnvCredentials) Credentials(context.Context) (Credentials, error) {
	return envCredentials(EnvSDKSecretID, EnvSDKSecretKey, EnvSDKSessionToken)
}

func envCredentials(id, key, token string) (Credentials, error) {
	c := Credentials{SecretID: os.Getenv(id), SecretKey: os.Getenv(key), SessionToken: os.Getenv(token)}
	if c.SecretID == "" || c.SecretKey == "" {
		return Credentials{}, missing(id + " and " + key + " must both be set")
	}
	return c, nil
}

// EnvCredentialsFile names the SDKs' credentials file, when not the
// default ~/.tencentcloud/credentials.
const EnvCredentialsFile = "TENCENTCLOUD_CREDENTIALS_FILE"

// ProfileCredentials reads the Tencent Cloud SDKs' credentials file: INI,
// one section per profile, keys secret_id, secret_key and optionally
// token. The file is TENCENTCLOUD_CREDENTIALS_FILE, else
// ~/.tencentcloud/credentials, as tencentcloud-sdk-go's
// DefaultProfileProvider reads it; the profile is "default" unless named.
type ProfileCredentials struct {
	Path    string // "" for the SDKs' default
	Profile string // "" for "default"
}

// Credentials implements CredentialsProvider.
func (p ProfileCredentials) Credentials(context.Context) (Credentials, error) {
	path, profile := p.Path, p.Profile
	if path == "" {
		path = os.Getenv(EnvCredentialsFile)
	}
	if path == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return Credentials{}, missing("no home directory for ~/.tencentcloud/credentials")
		}
		path = filepath.Join(home, ".tencentcloud", "credentials")
	}
	if profile == "" {
		profile = "default"
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return Credentials{}, missing("no credentials file " + path)
	}
	if err != nil {
		return Credentials{}, fmt.Errorf("credentials file: %w", err)
	}
	defer f.Close()
	keys, err := iniSection(f, profile)
	if err != nil {
		return Credentials{}, fmt.Errorf("credentials file %s: %w", path, err)
	}
	c := Credentials{SecretID: keys["secret_id"], SecretKey: keys["secret_key"], SessionToken: keys["token"]}
	if c.SecretID == "" || c.SecretKey == "" {
		return Credentials{}, missing(fmt.Sprintf("%s has no secret_id and secret_key in [%s]", path, profile))
	}
	return c, nil
}

// iniSection reads the key = value lines of one [section] of an INI file;
// ';' and '#' start comment lines.
func iniSection(f *os.File, section string) (map[string]string, error) {
	keys := map[string]string{}
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == ';' || line[0] == '#':
		case line[0] == '[':
			name, ok := strings.CutSuffix(line[1:], "]")
			in = ok && strings.TrimSpace(name) == section
		case in:
			if k, v, ok := strings.Cut(line, "="); ok {
				keys[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
	}
	return keys, sc.Err()
}

// ChainCredentials asks each provider in turn and yields the first that
// has credentials; a provider that has none (ErrMissingCredentials) passes
// to the next, any other failure stops the chain. When none has any, the
// error says where each looked.
type ChainCredentials []CredentialsProvider

// Credentials implements CredentialsProvider.
func (chain ChainCredentials) Credentials(ctx context.Context) (Credentials, error) {
	var misses []string
	for _, p := range chain {
		c, err := p.Credentials(ctx)
		switch {
		case err == nil:
			return c, nil
		case !errors.Is(err, ErrMissingCredentials):
			return Credentials{}, err
		}
		var me *missingError
		if errors.As(err, &me) {
			misses = append(misses, me.where)
		} else {
			misses = append(misses, err.Error()) // a bare ErrMissingCredentials, or another provider's own
		}
	}
	return Credentials{}, missing(strings.Join(misses, "; "))
}

// OperatorCredentials is the chain an operator's terminal uses, in order:
// SCF's variables, the SDKs' variables, then the SDKs' credentials file
// (profile "" is "default").
func OperatorCredentials(profile string) ChainCredentials {
	return ChainCredentials{EnvCredentials{}, SDKEnvCredentials{}, ProfileCredentials{Profile: profile}}
}
