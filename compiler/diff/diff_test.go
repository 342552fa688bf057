package diff

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hubfleet/hubfleet/compiler/build"
)

// repo is a real git repository in a temp dir holding a copy of
// testdata/fleet, committed on main.
type repo struct {
	t   *testing.T
	dir string
}

func newRepo(t *testing.T) *repo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	r := &repo{t: t, dir: t.TempDir()}
	r.git("init", "-q", "-b", "main")
	src := "testdata/fleet"
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		r.write(rel, string(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.commit("fleet")
	return r
}

func (r *repo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org", "GIT_CONFIG_NOSYSTEM=1", "HOME="+r.dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (r *repo) write(rel, content string) {
	r.t.Helper()
	p := filepath.Join(r.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *repo) edit(rel, old, new string) {
	r.t.Helper()
	data, err := os.ReadFile(filepath.Join(r.dir, rel))
	if err != nil {
		r.t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		r.t.Fatalf("%s does not contain %q", rel, old)
	}
	r.write(rel, strings.Replace(string(data), old, new, 1))
}

func (r *repo) remove(rel string) {
	r.t.Helper()
	if err := os.RemoveAll(filepath.Join(r.dir, rel)); err != nil {
		r.t.Fatal(err)
	}
}

func (r *repo) commit(msg string) {
	r.git("add", "-A")
	r.git("commit", "-q", "-m", msg)
}

// run diffs the work tree against main and fails on diagnostics.
func (r *repo) run() *Report {
	r.t.Helper()
	rep, diags, err := Run(r.dir, "main", build.Options{})
	if err != nil {
		r.t.Fatal(err)
	}
	if diags.HasErrors() {
		r.t.Fatalf("diagnostics: %v", diags)
	}
	return rep
}

func changesOf(rep *Report, cluster, hub string) map[Op][]string {
	out := map[Op][]string{}
	for _, c := range rep.Changes {
		if c.Cluster == cluster && c.Hub == hub {
			out[c.Op] = append(out[c.Op], c.ObjectRef.String())
		}
	}
	return out
}

func hasNote(ns []Note, cluster, hub, fragment string) bool {
	for _, n := range ns {
		if n.Cluster == cluster && n.Hub == hub && strings.Contains(n.Message, fragment) {
			return true
		}
	}
	return false
}

func TestNoChanges(t *testing.T) {
	r := newRepo(t)
	rep := r.run()
	if !rep.Empty() || len(rep.Warnings) != 0 {
		t.Fatalf("unchanged fleet reports changes: %+v", rep.Changes)
	}
	if !strings.Contains(Text(rep), "No changes") {
		t.Fatalf("text: %s", Text(rep))
	}
}

func TestHubAdded(t *testing.T) {
	r := newRepo(t)
	data, _ := os.ReadFile(filepath.Join(r.dir, "hubs/gcp/edu.yaml"))
	r.write("hubs/gcp/lab.yaml", strings.ReplaceAll(string(data), "edu", "lab"))
	rep := r.run()
	got := changesOf(rep, "gcp", "lab")
	if len(got[Added]) < 20 || len(got[Changed]) != 0 || len(got[Removed]) != 0 {
		t.Fatalf("hub lab: %d added, %d changed, %d removed", len(got[Added]), len(got[Changed]), len(got[Removed]))
	}
	if !contains(got[Added], "Deployment/lab/hub") {
		t.Fatalf("hub Deployment not among added: %v", got[Added])
	}
	// The namespace (cluster-wide) and the Application are added too.
	if !contains(changesOf(rep, "gcp", "")[Added], "Namespace/lab") || !contains(changesOf(rep, "gcp", "")[Added], "Application/argocd/gcp-lab") {
		t.Fatalf("cluster-level additions: %v", changesOf(rep, "gcp", ""))
	}
	if !hasNote(rep.Notes, "gcp", "lab", "new hub at https://lab.example.org") {
		t.Fatalf("notes: %+v", rep.Notes)
	}
	if len(rep.Warnings) != 0 {
		t.Fatalf("adding a hub warns: %+v", rep.Warnings)
	}
}

func TestHubChanged(t *testing.T) {
	r := newRepo(t)
	r.edit("hubs/aws/staging.yaml", "memory: {guarantee: 4G, limit: 8G}", "memory: {guarantee: 6G, limit: 12G}")
	r.edit("hubs/fleet.yaml", "pangeo-notebook:2024.11.08", "pangeo-notebook:2025.01.10")
	rep := r.run()
	got := changesOf(rep, "aws", "staging")
	if !contains(got[Changed], "ConfigMap/staging/hub") || len(got[Added])+len(got[Removed]) != 0 {
		t.Fatalf("staging changes: %v", got)
	}
	var cm *ObjectChange
	for i, c := range rep.Changes {
		if c.Hub == "staging" && c.Kind == "ConfigMap" && c.Name == "hub" {
			cm = &rep.Changes[i]
		}
	}
	if !strings.Contains(cm.Diff, "--- a/rendered/aws/hubs/staging/configmap-hub.yaml") ||
		!strings.Contains(cm.Diff, "+") || !strings.Contains(cm.Diff, "2025.01.10") {
		t.Fatalf("ConfigMap diff:\n%s", cm.Diff)
	}
	for _, want := range []struct{ hub, frag string }{
		{"staging", "default image pangeo/pangeo-notebook:2024.11.08 → pangeo/pangeo-notebook:2025.01.10"},
		{"staging", `profile "small" resources cpu 0.5/2 → 0.5/2, memory 4G/8G → 6G/12G`},
		{"research", "default image"},
	} {
		if !hasNote(rep.Notes, "aws", want.hub, want.frag) {
			t.Errorf("missing note %q for %s in %+v", want.frag, want.hub, rep.Notes)
		}
	}
}

func TestHubRemovedWarnsAboutData(t *testing.T) {
	r := newRepo(t)
	r.remove("hubs/aws/research.yaml")
	rep := r.run()
	got := changesOf(rep, "aws", "research")
	if len(got[Removed]) < 20 || len(got[Added])+len(got[Changed]) != 0 {
		t.Fatalf("research: %v", got)
	}
	for _, frag := range []string{
		"DATA LOSS RISK: PersistentVolumeClaim/research/hub-db-dir is removed; it holds user data (the hub database",
		"DATA LOSS RISK: PersistentVolumeClaim/research/home-nfs is removed; it holds user data (the users' home directories)",
	} {
		if !hasNote(rep.Warnings, "aws", "research", frag) {
			t.Errorf("missing warning %q in %+v", frag, rep.Warnings)
		}
	}
	if !hasNote(rep.Warnings, "aws", "", "namespace research is removed from git") ||
		!hasNote(rep.Warnings, "aws", "", "Argo CD Application aws-research is removed") {
		t.Errorf("cluster-level warnings: %+v", rep.Warnings)
	}
	md := Markdown(rep, MarkdownOptions{})
	if !strings.Contains(md, "> [!WARNING]") || !strings.Contains(md, "DATA LOSS RISK") {
		t.Errorf("markdown lacks the warning:\n%s", md[:min(len(md), 2000)])
	}
}

func TestStorageReplacementWarns(t *testing.T) {
	r := newRepo(t)
	r.edit("hubs/aws/research.yaml", "path: /homes/research", "path: /homes/research-v2")
	rep := r.run()
	if !hasNote(rep.Warnings, "aws", "research", "DATA LOSS RISK: the spec of PersistentVolume/research-home-nfs changes") {
		t.Fatalf("warnings: %+v", rep.Warnings)
	}
	if !hasNote(rep.Notes, "aws", "research", "home storage nfs fs-1.efs.us-west-2.amazonaws.com:/homes/research → nfs fs-1.efs.us-west-2.amazonaws.com:/homes/research-v2") {
		t.Fatalf("notes: %+v", rep.Notes)
	}
}

func TestClusterRemoved(t *testing.T) {
	r := newRepo(t)
	r.remove("hubs/gcp")
	rep := r.run()
	if !hasNote(rep.Notes, "gcp", "", "cluster removed from the fleet") {
		t.Fatalf("notes: %+v", rep.Notes)
	}
	for _, c := range rep.Changes {
		if c.Cluster == "gcp" && c.Op != Removed {
			t.Fatalf("gcp object not removed: %+v", c.ObjectRef)
		}
	}
	if got := changesOf(rep, "gcp", "")[Removed]; !contains(got, "ContainerNodePool/config-connector/user") {
		t.Fatalf("node pool not removed: %v", got)
	}
	if !hasNote(rep.Warnings, "gcp", "", "node pool user is removed: it stays (Prune=false)") {
		t.Fatalf("warnings: %+v", rep.Warnings)
	}
	// Other clusters are untouched.
	if len(changesOf(rep, "aws", "staging")[Changed]) != 0 {
		t.Fatal("aws/staging changed")
	}
}

func TestAccessOpeningIsLoud(t *testing.T) {
	r := newRepo(t)
	r.edit("hubs/gcp/edu.yaml", "github: {allowedOrganizations: [edu-org]}", "github: {}\n  allowAllUsers: true")
	rep := r.run()
	if !hasNote(rep.Warnings, "gcp", "edu", "ACCESS OPENS: https://edu.example.org now admits ANY github login") {
		t.Fatalf("warnings: %+v", rep.Warnings)
	}
	if !hasNote(rep.Notes, "gcp", "edu", "access -github org edu-org") {
		t.Fatalf("notes: %+v", rep.Notes)
	}
}

func TestWorkTreeUntouchedAndFormats(t *testing.T) {
	r := newRepo(t)
	r.edit("hubs/aws/staging.yaml", "admins: [alice]", "admins: [alice, bob]")
	before := r.git("status", "--porcelain")
	rep := r.run()
	if after := r.git("status", "--porcelain"); after != before {
		t.Fatalf("diff changed the work tree:\n%s\nthen\n%s", before, after)
	}
	var js bytes.Buffer
	if err := Write(&js, rep, FormatJSON, MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back.Changes) != len(rep.Changes) {
		t.Fatalf("json: %v, %d changes", err, len(back.Changes))
	}
	if !strings.Contains(Text(rep), "== aws/staging") || !strings.Contains(Text(rep), "admins +bob") {
		t.Fatalf("text:\n%s", Text(rep))
	}
}

func TestMarkdownIsCutByWholeObjects(t *testing.T) {
	r := newRepo(t)
	r.edit("hubs/fleet.yaml", "pangeo-notebook:2024.11.08", "pangeo-notebook:2025.01.10")
	rep := r.run()
	full := Markdown(rep, MarkdownOptions{})
	limit := len(full) / 2
	cut := Markdown(rep, MarkdownOptions{MaxChars: limit, FullDiffURL: "https://ci.example.org/run/1"})
	if len(cut) > limit {
		t.Fatalf("cut report is %d characters, limit %d", len(cut), limit)
	}
	if !strings.Contains(cut, "more object changes are not shown") || !strings.Contains(cut, "https://ci.example.org/run/1") {
		t.Fatalf("no note about the cut:\n%s", cut[len(cut)-300:])
	}
	if strings.Count(cut, "```")%2 != 0 || strings.Count(cut, "<details>") != strings.Count(cut, "</details>") {
		t.Fatal("cut report leaves a block open")
	}
	if !strings.Contains(cut, "| cluster | hub |") || !strings.Contains(cut, "Notable changes") {
		t.Fatal("cut report lost its summary")
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
