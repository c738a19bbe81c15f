package cli_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/internal/citest"
)

// Key pairs of the other two credential sources, each accepted by its own
// emulator in the tests below, so that a success shows which source
// signed.
const (
	sdkSecretID      = "AKIDcliTestSdkSecretId000000000000"
	sdkSecretKey     = "cliTestSdkSecretKeyMUSTNOTPRINT"
	sdkSessionToken  = "cliTestSdkSessionTokenMUSTNOTPRINT"
	profileSecretID  = "AKIDcliTestProfileSecretId00000000"
	profileSecretKey = "cliTestProfileSecretKeyNOTPRINTED"
	profileToken     = "cliTestProfileTokenMUSTNOTBEPRINTED"
)

// noCredentials removes every credential variable from an environment.
var noCredentials = map[string]string{
	"TENCENTCLOUD_SECRETID": "", "TENCENTCLOUD_SECRETKEY": "", "TENCENTCLOUD_SESSIONTOKEN": "",
	"TENCENTCLOUD_SECRET_ID": "", "TENCENTCLOUD_SECRET_KEY": "", "TENCENTCLOUD_SESSION_TOKEN": "",
	"TENCENTCLOUD_CREDENTIALS_FILE": "",
}

const profileFile = `; the SDKs' credentials file
[default]
secret_id = AKIDcliTestNotThisOne0000000000000
secret_key = notThisKey

[ops]
secret_id = ` + profileSecretID + `
secret_key = ` + profileSecretKey + `
token = ` + profileToken + `
`

func TestCredentialChain(t *testing.T) {
	t.Parallel()
	// Each emulator accepts one pair only: the command works only when
	// the chain picked the source the case expects.
	scf := map[string]string{"TENCENTCLOUD_SECRETID": testSecretID, "TENCENTCLOUD_SECRETKEY": testSecretKey, "TENCENTCLOUD_SESSIONTOKEN": testSessionToken}
	sdk := map[string]string{"TENCENTCLOUD_SECRET_ID": sdkSecretID, "TENCENTCLOUD_SECRET_KEY": sdkSecretKey, "TENCENTCLOUD_SESSION_TOKEN": sdkSessionToken}
	file := writeFile(t, "credentials", profileFile)
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".tencentcloud"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".tencentcloud", "credentials"), []byte("[default]\nsecret_id = "+profileSecretID+"\nsecret_key = "+profileSecretKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fileEnv := map[string]string{"TENCENTCLOUD_CREDENTIALS_FILE": file}

	for _, tc := range []struct {
		name     string
		accepts  [2]string // the one pair the emulator knows
		env      map[string]string
		args     []string
		wantCode int
		want     string
	}{
		{"SCF variables", [2]string{testSecretID, testSecretKey}, scf, nil, 0, ""},
		{"SDK variables", [2]string{sdkSecretID, sdkSecretKey}, sdk, nil, 0, ""},
		{"SCF variables before SDK variables", [2]string{sdkSecretID, sdkSecretKey}, citest.Env(scf, sdk), nil, 1, "SecretidNotExist"},
		{"SDK variables before the file", [2]string{profileSecretID, profileSecretKey}, citest.Env(sdk, fileEnv), []string{"-profile", "ops"}, 1, "SecretidNotExist"},
		{"file named by TENCENTCLOUD_CREDENTIALS_FILE, -profile", [2]string{profileSecretID, profileSecretKey}, fileEnv, []string{"-profile", "ops"}, 0, ""},
		{"file, default profile", [2]string{profileSecretID, profileSecretKey}, fileEnv, nil, 1, "SecretidNotExist"},
		{"~/.tencentcloud/credentials", [2]string{profileSecretID, profileSecretKey}, map[string]string{"HOME": home}, nil, 0, ""},
		{"unknown profile", [2]string{profileSecretID, profileSecretKey}, fileEnv, []string{"-profile", "nope"}, 2, "has no secret_id and secret_key in [nope]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCI(t, ciemu.Options{Credentials: map[string]string{tc.accepts[0]: tc.accepts[1]}})
			env := c.with(citest.Env(noCredentials, tc.env))
			res := run(t, env, "", append([]string{"jobs", "ls"}, tc.args...)...)
			expect(t, res, tc.wantCode, tc.want)
		})
	}
}

func TestNoCredentials(t *testing.T) {
	t.Parallel()
	c := newCI(t, ciemu.Options{})
	env := c.with(noCredentials)
	for _, args := range [][]string{
		{"jobs", "ls"},
		{"trigger", "-workflow", workflowID, "-object", "a.jpg"},
		{"runs", "get", "i0123456789abcdef0123456789abcdef", "-profile", "ops"},
	} {
		res := run(t, env, "", args...)
		// One line naming all three ways.
		expect(t, res, 2, "TENCENTCLOUD_SECRETID", "TENCENTCLOUD_SECRET_ID", filepath.Join(env["HOME"], ".tencentcloud", "credentials"))
		if n := len(lines(res.stderr)); n != 1 {
			t.Errorf("%q: stderr has %d lines, want one: %q", args, n, res.stderr)
		}
	}
	if n := c.calls(""); n != 0 {
		t.Errorf("%d CI calls without credentials, want none", n)
	}
}
