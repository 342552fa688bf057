// Package workflows checks the repository's GitHub Actions workflows with
// actionlint and with the project's own rules: actions pinned by commit SHA,
// minimal permissions, and no pull-request code run with a write token.
package workflows

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v3"
)

func workflowFiles(t *testing.T) []string {
	files, err := filepath.Glob("../../.github/workflows/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflow files: %v", err)
	}
	return files
}

func TestActionlint(t *testing.T) {
	var out bytes.Buffer
	l, err := actionlint.NewLinter(&out, &actionlint.LinterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.LintFiles(workflowFiles(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) > 0 {
		t.Fatalf("actionlint found %d problems:\n%s", len(errs), out.String())
	}
}

var pinned = regexp.MustCompile(`^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$`)

func TestActionsPinnedAndPermissionsMinimal(t *testing.T) {
	for _, f := range workflowFiles(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var wf struct {
			On          yaml.Node         `yaml:"on"`
			Permissions map[string]string `yaml:"permissions"`
			Jobs        map[string]struct {
				Permissions map[string]string `yaml:"permissions"`
				Steps       []struct {
					Uses string            `yaml:"uses"`
					With map[string]string `yaml:"with"`
				} `yaml:"steps"`
			} `yaml:"jobs"`
		}
		if err := yaml.Unmarshal(data, &wf); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(wf.Permissions) != 1 || wf.Permissions["contents"] != "read" {
			t.Errorf("%s: top-level permissions must be exactly {contents: read}, got %v", f, wf.Permissions)
		}
		triggeredByRun := strings.Contains(string(data), "workflow_run:")
		for name, job := range wf.Jobs {
			writes := false
			for scope, level := range job.Permissions {
				if level == "write" {
					writes = true
					if triggeredByRun == false {
						t.Errorf("%s: job %s gets %s: write outside a workflow_run job", f, name, scope)
					}
				}
			}
			for _, s := range job.Steps {
				if s.Uses == "" {
					continue
				}
				if !pinned.MatchString(s.Uses) {
					t.Errorf("%s: job %s: %q is not pinned to a commit SHA", f, name, s.Uses)
				}
				if writes && strings.HasPrefix(s.Uses, "actions/checkout@") && s.With["ref"] != "" {
					t.Errorf("%s: job %s has write permissions and checks out %q: never run pull-request code with a write token", f, name, s.With["ref"])
				}
			}
		}
	}
}

// The linter is live: a broken workflow is reported.
func TestActionlintCatchesMistakes(t *testing.T) {
	var out bytes.Buffer
	l, err := actionlint.NewLinter(&out, &actionlint.LinterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bad := "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.nope.x }}\n        shell: bsh\n"
	errs, err := l.Lint("bad.yaml", []byte(bad), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) == 0 {
		t.Fatal("actionlint accepted a broken workflow")
	}
}
