package diff

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/output"
)

// Side is one end of the comparison: a fleet and its rendered tree. A nil
// Fleet (e.g. the base had no hubs/ yet) compares as empty.
type Side struct {
	Ref   string
	Fleet *model.Fleet
	Tree  output.Tree
}

// Note is a plain-language line about a notable change.
type Note struct {
	Cluster string `json:"cluster,omitempty"`
	Hub     string `json:"hub,omitempty"`
	Message string `json:"message"`
}

// Report is everything `hubfleet diff` shows.
type Report struct {
	Base     string         `json:"base"`
	Head     string         `json:"head"`
	Changes  []ObjectChange `json:"changes"`
	Notes    []Note         `json:"notes"`
	Warnings []Note         `json:"warnings"`
}

// Empty reports whether nothing changes.
func (r *Report) Empty() bool { return len(r.Changes) == 0 }

// Compare builds the report for base → head.
func Compare(base, head Side) (*Report, error) {
	changes, err := compareTrees(base.Tree, head.Tree)
	if err != nil {
		return nil, err
	}
	r := &Report{Base: base.Ref, Head: head.Ref, Changes: changes, Notes: []Note{}, Warnings: []Note{}}
	r.Notes = append(r.Notes, fleetNotes(base.Fleet, head.Fleet)...)
	w, n := objectWarnings(changes)
	r.Warnings = append(r.Warnings, w...)
	r.Notes = append(r.Notes, n...)
	r.Warnings = append(r.Warnings, accessWarnings(base.Fleet, head.Fleet)...)
	sortNotes(r.Notes)
	sortNotes(r.Warnings)
	return r, nil
}

func sortNotes(ns []Note) {
	sort.SliceStable(ns, func(i, j int) bool {
		if ns[i].Cluster != ns[j].Cluster {
			return ns[i].Cluster < ns[j].Cluster
		}
		if ns[i].Hub != ns[j].Hub {
			return ns[i].Hub < ns[j].Hub
		}
		return ns[i].Message < ns[j].Message
	})
}

// unified returns a unified diff of two YAML texts with 3 lines of context.
func unified(a, b, file string) string {
	d := difflib.UnifiedDiff{
		A:        difflib.SplitLines(a),
		B:        difflib.SplitLines(b),
		FromFile: fileLabel("a", file),
		ToFile:   fileLabel("b", file),
		Context:  3,
	}
	s, err := difflib.GetUnifiedDiffString(d)
	if err != nil {
		// GetUnifiedDiffString only fails on writer errors, which a
		// strings.Builder never returns.
		return fmt.Sprintf("(diff unavailable: %v)\n", err)
	}
	return s
}

// dataKinds hold user data: deleting or replacing them loses it.
var dataKinds = map[string]bool{"PersistentVolumeClaim": true, "PersistentVolume": true}

// capacityKinds create nodes: removing one drains its nodes.
var capacityKinds = map[string]bool{
	"NodePool": true, "ContainerNodePool": true, "ManagedClustersAgentPool": true,
}

// objectWarnings flags risky object changes: storage that holds user data
// deleted or replaced, namespaces removed, node pools replaced.
func objectWarnings(changes []ObjectChange) (warnings, notes []Note) {
	added := map[string]bool{}
	for _, c := range changes {
		if c.Op == Added && capacityKinds[c.Kind] {
			added[c.Cluster] = true
		}
	}
	for _, c := range changes {
		at := Note{Cluster: c.Cluster, Hub: c.Hub}
		switch {
		case dataKinds[c.Kind] && c.Op == Removed:
			at.Message = fmt.Sprintf("DATA LOSS RISK: %s is removed; it holds user data (%s). Argo CD keeps it (Prune=false), "+
				"but back it up and delete it deliberately", c.ObjectRef, dataRole(c))
			warnings = append(warnings, at)
		case dataKinds[c.Kind] && c.Op == Changed && specChanged(c):
			at.Message = fmt.Sprintf("DATA LOSS RISK: the spec of %s changes; most PVC/PV fields are immutable and a "+
				"replacement loses %s", c.ObjectRef, dataRole(c))
			warnings = append(warnings, at)
		case c.Kind == "Namespace" && c.Op == Removed:
			at.Message = fmt.Sprintf("namespace %s is removed from git: Argo CD leaves it (Prune=false); deleting it by hand "+
				"deletes every home volume in it", c.Name)
			warnings = append(warnings, at)
		case capacityKinds[c.Kind] && c.Op == Removed:
			verb := "removed"
			if added[c.Cluster] {
				verb = "replaced"
			}
			at.Message = fmt.Sprintf("node pool %s is %s: it stays (Prune=false) until an operator drains and deletes it", c.Name, verb)
			warnings = append(warnings, at)
		case capacityKinds[c.Kind] && c.Op == Added:
			at.Message = fmt.Sprintf("node pool %s is added", c.Name)
			notes = append(notes, at)
		case c.Kind == "Application" && c.Op == Removed:
			at.Message = fmt.Sprintf("Argo CD Application %s is removed: its objects are deleted, except those marked Delete=false", c.Name)
			warnings = append(warnings, at)
		}
	}
	return warnings, notes
}

func dataRole(c ObjectChange) string {
	switch {
	case c.Name == "hub-db-dir":
		return "the hub database (users, tokens, server state)"
	case strings.HasPrefix(c.Name, "home"):
		return "the users' home directories"
	}
	return "persistent data"
}

func specChanged(c ObjectChange) bool {
	return fmt.Sprint(c.old["spec"]) != fmt.Sprint(c.new["spec"])
}

// Summary counts changes per cluster and hub.
type Summary struct {
	Cluster string `json:"cluster"`
	Hub     string `json:"hub,omitempty"`
	Added   int    `json:"added"`
	Changed int    `json:"changed"`
	Removed int    `json:"removed"`
}

// Summaries returns one row per cluster/hub with changes, in order.
func (r *Report) Summaries() []Summary {
	var out []Summary
	idx := map[string]int{}
	for _, c := range r.Changes {
		k := c.Cluster + "/" + c.Hub
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, Summary{Cluster: c.Cluster, Hub: c.Hub})
		}
		switch c.Op {
		case Added:
			out[i].Added++
		case Changed:
			out[i].Changed++
		case Removed:
			out[i].Removed++
		}
	}
	return out
}
