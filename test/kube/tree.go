package kube

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Workers is how many dry-run requests are in flight at once.
var Workers = 6

// Object is one YAML document of a tree.
type Object struct {
	File  string // path relative to the tree's root
	Index int    // 0-based document index within the file
	JSON  []byte
	meta
}

// String names the object for reports: FILE[#N]: Kind namespace/name.
func (o Object) String() string {
	loc := o.File
	if o.Index > 0 {
		loc = fmt.Sprintf("%s#%d", o.File, o.Index)
	}
	name := o.Metadata.Name
	if o.Metadata.Namespace != "" {
		name = o.Metadata.Namespace + "/" + name
	}
	return fmt.Sprintf("%s: %s %s", loc, o.Kind, name)
}

// Result is the server's verdict on one object.
type Result struct {
	Object
	Err      error
	Warnings []string
}

// Report summarises a validated tree.
type Report struct {
	Files     int
	Objects   int
	Rejected  []Result // in file order
	Warned    []Result // accepted with warnings
	ByKind    map[string]int
	Duration  time.Duration // dry-runs, including NodePool CRD switches
	Switching time.Duration // of Duration, replacing the NodePool CRD
}

// Rate is objects validated per second.
func (r Report) Rate() float64 {
	if r.Duration <= 0 {
		return 0
	}
	return float64(r.Objects) / r.Duration.Seconds()
}

// Summary is a one-line account for logs and notes.
func (r Report) Summary() string {
	kinds := make([]string, 0, len(r.ByKind))
	for k := range r.ByKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for i, k := range kinds {
		kinds[i] = fmt.Sprintf("%s=%d", k, r.ByKind[k])
	}
	return fmt.Sprintf("%d/%d objects accepted from %d files in %v (%.0f objects/s; NodePool CRD switches %v), %d with warnings; kinds: %s",
		r.Objects-len(r.Rejected), r.Objects, r.Files, r.Duration.Round(time.Millisecond), r.Rate(),
		r.Switching.Round(time.Millisecond), len(r.Warned), strings.Join(kinds, " "))
}

// LoadTree reads every *.yaml and *.yml file under dir, in path order, split
// into documents; empty documents are skipped, duplicate keys are errors.
func LoadTree(dir string) (objs []Object, files int, err error) {
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		docs, err := loadFile(path, filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		files++
		objs = append(objs, docs...)
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("loading %s: %w", dir, err)
	}
	return objs, files, nil
}

func loadFile(path, rel string) ([]Object, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var objs []Object
	rd := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
	for index := 0; ; index++ {
		doc, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", rel, index, err)
		}
		j, err := yaml.YAMLToJSONStrict(doc)
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", rel, index, err)
		}
		if bytes.Equal(bytes.TrimSpace(j), []byte("null")) {
			continue // comments only
		}
		o := Object{File: rel, Index: index, JSON: j}
		if err := json.Unmarshal(j, &o.meta); err != nil {
			return nil, fmt.Errorf("%s: document %d is not an object: %w", rel, index, err)
		}
		objs = append(objs, o)
	}
}

// isAzureNodePool tells the NodePools that need the Azure build of the CRD:
// those whose node class is an AKSNodeClass.
func isAzureNodePool(o Object) bool {
	if o.Kind != "NodePool" || !strings.HasPrefix(o.APIVersion, "karpenter.sh/") {
		return false
	}
	var np struct {
		Spec struct {
			Template struct {
				Spec struct {
					NodeClassRef struct {
						Group string `json:"group"`
						Kind  string `json:"kind"`
					} `json:"nodeClassRef"`
				} `json:"spec"`
			} `json:"template"`
		} `json:"spec"`
	}
	if json.Unmarshal(o.JSON, &np) != nil {
		return false
	}
	ref := np.Spec.Template.Spec.NodeClassRef
	return ref.Group == "karpenter.azure.com" || ref.Kind == "AKSNodeClass"
}

// Validate dry-runs every object: the Azure NodePools with the Azure build of
// the NodePool CRD, all others with the AWS build (switching at most once).
// Results are in the order of objs.
func (s *Server) Validate(objs []Object) ([]Result, error) {
	results, _, err := s.validate(objs)
	return results, err
}

// validate is Validate, also returning the time spent switching CRD builds.
func (s *Server) validate(objs []Object) (results []Result, switching time.Duration, err error) {
	use := func(b NodePoolBuild) error {
		start := time.Now()
		err := s.UseNodePoolBuild(b)
		switching += time.Since(start)
		return err
	}
	results = make([]Result, len(objs))
	var aws, azure []int
	for i, o := range objs {
		results[i].Object = o
		if isAzureNodePool(o) {
			azure = append(azure, i)
		} else {
			aws = append(aws, i)
		}
	}
	// Start with the build already installed and leave the last one in
	// place: each switch costs a CRD re-creation plus the server compiling
	// its schema and CEL rules again on first use.
	phases := []struct {
		build   NodePoolBuild
		indexes []int
	}{{NodePoolAWS, aws}, {NodePoolAzure, azure}}
	if s.NodePoolBuild() == NodePoolAzure {
		phases[0], phases[1] = phases[1], phases[0]
	}
	for _, ph := range phases {
		if len(ph.indexes) == 0 {
			continue
		}
		if err := use(ph.build); err != nil {
			return nil, switching, err
		}
		s.dryRunAll(results, ph.indexes)
	}
	return results, switching, nil
}

// dryRunAll dry-runs results[i] for each index, Workers at a time.
func (s *Server) dryRunAll(results []Result, indexes []int) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(Workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i].Warnings, results[i].Err = s.DryRunJSON(results[i].JSON)
			}
		}()
	}
	for _, i := range indexes {
		next <- i
	}
	close(next)
	wg.Wait()
}

// ValidateDir loads and validates a tree and summarises the outcome.
func (s *Server) ValidateDir(dir string) (Report, error) {
	objs, files, err := LoadTree(dir)
	if err != nil {
		return Report{}, err
	}
	start := time.Now()
	results, switching, err := s.validate(objs)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Files: files, Objects: len(objs), Duration: time.Since(start), Switching: switching, ByKind: map[string]int{}}
	for _, r := range results {
		rep.ByKind[r.Kind]++
		switch {
		case r.Err != nil:
			rep.Rejected = append(rep.Rejected, r)
		case len(r.Warnings) > 0:
			rep.Warned = append(rep.Warned, r)
		}
	}
	return rep, nil
}

// ValidateTree validates every object under dir, reports each rejection
// as a test error with its file and the server's message, logs warnings and
// the counts and throughput, and returns the report.
func ValidateTree(t *testing.T, s *Server, dir string) Report {
	t.Helper()
	rep, err := s.ValidateDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Rejected {
		t.Errorf("%s: rejected: %v", r.Object, r.Err)
	}
	for _, r := range rep.Warned {
		t.Logf("%s: warning: %s", r.Object, strings.Join(r.Warnings, "; "))
	}
	t.Logf("%s: %s", dir, rep.Summary())
	return rep
}
