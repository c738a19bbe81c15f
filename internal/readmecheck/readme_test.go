package readmecheck

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cosflow/cosflow/handler"
)

// repoRoot is the repository root as seen from this package's directory,
// where `go test` runs.
const repoRoot = "../.."

func readRepoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, name))
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return string(b)
}

func TestQuickstartParsing(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		want    []string
		wantErr error // nil: no error; errAny: some error
	}{
		{
			name: "block under heading",
			doc:  "# x\n\n## Quickstart\n\ntext\n\n```sh\ngo run .\ngo test ./...\n```\n\n## Next\n",
			want: []string{"go run .", "go test ./..."},
		},
		{
			name: "first sh block wins",
			doc:  "## Quickstart\n```sh\na\n```\n```sh\nb\n```\n",
			want: []string{"a"},
		},
		{
			name: "non-sh block skipped",
			doc:  "## Quickstart\n```json\n{}\n```\n```sh\na\n```\n",
			want: []string{"a"},
		},
		{
			name:    "no quickstart section",
			doc:     "# x\n```sh\ngo test ./...\n```\n",
			wantErr: ErrNoQuickstart,
		},
		{
			name:    "block only in a later section",
			doc:     "## Quickstart\ntext\n## Deploy\n```sh\na\n```\n",
			wantErr: ErrNoQuickstart,
		},
		{
			name:    "deeper heading is not the section",
			doc:     "### Quickstart\n```sh\na\n```\n",
			wantErr: ErrNoQuickstart,
		},
		{
			name:    "unterminated block",
			doc:     "## Quickstart\n```sh\na\n",
			wantErr: errAny,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Quickstart(tt.doc)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("Quickstart: unexpected error %v", err)
			case tt.wantErr == errAny && err == nil, tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
				t.Fatalf("Quickstart: error %v, want %v", err, tt.wantErr)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Quickstart = %q, want %q", got, tt.want)
			}
		})
	}
}

var errAny = errors.New("any error")

func TestMentionExtraction(t *testing.T) {
	doc := "set `COSFLOW_RULES` and COSFLOW_DRY_RUN=true; COSFLOW_RULES again; " +
		"run scripts/build.sh then scripts/e2e.sh, see events/testdata/cos_put.json; " +
		"TENCENTCLOUD_SECRETID is not ours"
	if got, want := SettingNames(doc), []string{"COSFLOW_DRY_RUN", "COSFLOW_RULES"}; !slices.Equal(got, want) {
		t.Errorf("SettingNames = %q, want %q", got, want)
	}
	if got, want := ScriptPaths(doc), []string{"scripts/build.sh", "scripts/e2e.sh"}; !slices.Equal(got, want) {
		t.Errorf("ScriptPaths = %q, want %q", got, want)
	}
	if got, want := FixturePaths(doc), []string{"events/testdata/cos_put.json"}; !slices.Equal(got, want) {
		t.Errorf("FixturePaths = %q, want %q", got, want)
	}
}

func TestREADMEQuickstartIsExactlyTheTwoCommands(t *testing.T) {
	got, err := Quickstart(readRepoFile(t, "README.md"))
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	if !slices.Equal(got, QuickstartCommands) {
		t.Errorf("README.md Quickstart block = %q, want exactly %q", got, QuickstartCommands)
	}
}

// TestSettingsDocumented checks both directions: every setting is
// documented, and no document names a setting that does not exist (a typo
// there sends users after a variable nothing reads).
func TestSettingsDocumented(t *testing.T) {
	for _, file := range []string{"README.md", "serverless.yml"} {
		t.Run(file, func(t *testing.T) {
			mentioned := SettingNames(readRepoFile(t, file))
			for _, name := range handler.Settings {
				if !slices.Contains(mentioned, name) {
					t.Errorf("%s does not mention %s", file, name)
				}
			}
			for _, name := range mentioned {
				if !slices.Contains(handler.Settings, name) {
					t.Errorf("%s mentions %s, which is not a cosflow setting", file, name)
				}
			}
		})
	}
}

func TestMentionedScriptsExist(t *testing.T) {
	for _, file := range []string{"README.md", "serverless.yml", ".ci/run"} {
		doc := readRepoFile(t, file)
		for _, script := range ScriptPaths(doc) {
			fi, err := os.Stat(filepath.Join(repoRoot, script))
			if err != nil {
				t.Errorf("%s names %s: %v", file, script, err)
				continue
			}
			if fi.Mode().Perm()&0o111 == 0 {
				t.Errorf("%s names %s, which is not executable", file, script)
			}
		}
	}
}

func TestMentionedFixturesExist(t *testing.T) {
	doc := readRepoFile(t, "README.md")
	fixtures := FixturePaths(doc)
	if len(fixtures) == 0 {
		t.Fatal("README.md names no events/testdata fixture; the Quickstart needs one")
	}
	for _, f := range fixtures {
		if _, err := os.Stat(filepath.Join(repoRoot, f)); err != nil {
			t.Errorf("README.md names %s: %v", f, err)
		}
	}
}
