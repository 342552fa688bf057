// Package nodepool renders a cluster's node pools and node classes from
// jsonnet provider templates: Karpenter NodePool + EC2NodeClass on AWS,
// Config Connector ContainerNodePool on GKE, ASO ManagedClustersAgentPool or
// Karpenter NodePool + AKSNodeClass on Azure.
//
// The provider semantics (names, labels and taints shared with the pod
// side through package base, capacity types, zones, disruption defaults,
// Argo CD and deletion guards) are computed in Go and passed to the
// templates as data; the templates only shape objects. A fleet may replace
// or extend a template from hubs/_templates/ (see README.md).
package nodepool

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	jsonnet "github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// entryFile is the name of the snippets that call the template functions.
const entryFile = "hubfleet-entry.jsonnet"

// templates maps template names to their files. The entry imports go
// through the importer, so a fleet override of a template wins.
const templates = `{
    'aws-karpenter': import 'aws-karpenter.libsonnet',
    'gcp-config-connector': import 'gcp-config-connector.libsonnet',
    'azure-aso': import 'azure-aso.libsonnet',
    'azure-karpenter': import 'azure-karpenter.libsonnet',
  }`

// batchEntry renders a whole cluster in one evaluation: the interpreter
// setup and the parsing of arguments are paid once per cluster. Data comes
// in as JSON strings: std.parseJson is native Go, far cheaper than having
// the jsonnet parser read the same text as code.
const batchEntry = `function(template, clusterJSON, classesJSON, poolsJSON)
  local t = ` + templates + `[template];
  local cluster = std.parseJson(clusterJSON);
  local classes = std.parseJson(classesJSON);
  local pools = std.parseJson(poolsJSON);
  local call(fn, x) =
    if std.objectHasAll(t, fn) then t[fn](x, cluster)
    else error 'template has no function ' + fn;
  {
    classes: [call('nodeClass', c) for c in classes],
    pools: [call('nodePool', p) for p in pools],
  }
`

// singleEntry renders one pool or class; it is used to find which one
// failed when a batch fails, so errors name the pool.
const singleEntry = `function(template, clusterJSON, fn, dataJSON)
  local t = ` + templates + `[template];
  if std.objectHasAll(t, fn) then t[fn](std.parseJson(dataJSON), std.parseJson(clusterJSON))
  else error 'template has no function ' + fn
`

// Renderer renders node pools with one jsonnet VM. Parsed templates are
// cached in the VM across calls, so reuse a Renderer; it is not safe for
// concurrent use: create one per worker goroutine.
type Renderer struct {
	vm       *jsonnet.VM
	batch    ast.Node
	single   ast.Node
	template map[string]string // template name -> file used (foundAt)
}

// New returns a Renderer whose templates come from overrides (an fs.FS
// rooted at the fleet's hubs/_templates folder; nil for none), then from
// the templates embedded in the binary.
func New(overrides fs.FS) (*Renderer, error) {
	vm := jsonnet.MakeVM()
	vm.ErrorFormatter = briefErrors{}
	vm.Importer(newImporter(overrides))
	r := &Renderer{vm: vm, template: map[string]string{}}
	var err error
	if r.batch, err = jsonnet.SnippetToAST(entryFile, batchEntry); err != nil {
		return nil, fmt.Errorf("node-pool entry snippet: %w", err)
	}
	if r.single, err = jsonnet.SnippetToAST(entryFile, singleEntry); err != nil {
		return nil, fmt.Errorf("node-pool entry snippet: %w", err)
	}
	// Resolve and parse every provider template now, so a missing or
	// malformed override is reported once, up front, not per pool.
	for _, t := range []string{TemplateAWSKarpenter, TemplateGCPKCC, TemplateAzureASO, TemplateAzureKarpenter} {
		_, at, err := vm.ImportAST(entryFile, t+".libsonnet")
		if err != nil {
			return nil, fmt.Errorf("node-pool template %s: %w", t, err)
		}
		r.template[t] = at
	}
	return r, nil
}

// item is one template call: a node class or a pool.
type item struct {
	fn          string // nodeClass or nodePool
	data        any
	annotations map[string]string
	what        string // "node pool <name>", for messages
	source      string
}

// Render renders every node pool of the cluster (its own and its hubs')
// and, on Karpenter clusters, the node classes they use. Objects belong to
// the cluster-wide Application (Hub is empty); Source is the file that
// defines the pool, or the cluster file for node classes.
func (r *Renderer) Render(c *model.Cluster) ([]*manifest.Object, error) {
	tmpl, err := templateFor(c)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", c.Name, err)
	}
	cd, err := newClusterData(c)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", c.Name, err)
	}
	pools := c.AllPools()
	karpenter := c.NodeProvisioner == model.ProvisionerKarpenter

	var classes, poolItems []item
	if karpenter {
		for _, k := range classesFor(c, pools) {
			d, err := k.data(c)
			if err != nil {
				return nil, fmt.Errorf("cluster %s: node class %s: %w", c.Name, k.name(c), err)
			}
			classes = append(classes, item{"nodeClass", d, d.Annotations, "node class " + d.Name, c.Src.File})
		}
	}
	for _, p := range pools {
		class := ""
		if karpenter {
			class = classKeyFor(c, p).name(c)
		}
		what := "node pool " + p.FullName()
		d, err := newPoolData(c, cd, p, class)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", p.Src.File, what, err)
		}
		poolItems = append(poolItems, item{"nodePool", d, d.Annotations, what, p.Src.File})
	}
	if len(classes)+len(poolItems) == 0 {
		return nil, nil
	}

	results, err := r.evalBatch(tmpl, cd, classes, poolItems)
	if err != nil {
		return nil, err
	}
	var out []*manifest.Object
	seen := map[string]string{} // object ID -> what produced it
	for i, it := range append(classes, poolItems...) {
		objs, err := decodeObjects(results[i])
		if err != nil {
			return nil, r.templateError(tmpl, it, err)
		}
		for _, body := range objs {
			enforceAnnotations(body, it.annotations)
		}
		if out, err = collect(out, objs, c, it.source, seen, it.what); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (r *Renderer) templateError(tmpl string, it item, err error) error {
	return &TemplateError{Template: r.template[tmpl], Object: it.what, Source: it.source, Err: err}
}

// evalBatch evaluates all items of a cluster at once and returns each
// item's result. When the batch fails, the items are retried one by one to
// report the failing one.
func (r *Renderer) evalBatch(tmpl string, cd *clusterData, classes, pools []item) ([]any, error) {
	args := func(items []item) []any {
		out := make([]any, len(items))
		for i, it := range items {
			out[i] = it.data
		}
		return out
	}
	bind := map[string]any{"cluster": cd, "classes": args(classes), "pools": args(pools)}
	r.vm.TLAReset()
	r.vm.TLAVar("template", tmpl)
	for _, k := range []string{"cluster", "classes", "pools"} {
		js, err := json.Marshal(bind[k])
		if err != nil {
			return nil, fmt.Errorf("cluster %s: encoding template data: %w", cd.Name, err)
		}
		r.vm.TLAVar(k+"JSON", string(js))
	}
	res, evalErr := r.vm.Evaluate(r.batch)
	if evalErr == nil {
		var v struct{ Classes, Pools []any }
		if err := decodeJSON(res, &v); err != nil {
			return nil, fmt.Errorf("cluster %s: %w", cd.Name, err)
		}
		if len(v.Classes) == len(classes) && len(v.Pools) == len(pools) {
			return append(v.Classes, v.Pools...), nil
		}
		evalErr = fmt.Errorf("template output has %d classes and %d pools, want %d and %d",
			len(v.Classes), len(v.Pools), len(classes), len(pools))
	}
	// Find the culprit.
	r.vm.TLAReset()
	r.vm.TLAVar("template", tmpl)
	js, _ := json.Marshal(cd)
	r.vm.TLAVar("clusterJSON", string(js))
	for _, it := range append(append([]item{}, classes...), pools...) {
		js, err := json.Marshal(it.data)
		if err != nil {
			return nil, r.templateError(tmpl, it, fmt.Errorf("encoding template data: %w", err))
		}
		r.vm.TLAVar("fn", it.fn)
		r.vm.TLAVar("dataJSON", string(js))
		if _, err := r.vm.Evaluate(r.single); err != nil {
			return nil, r.templateError(tmpl, it, errors.New(briefErrors{}.Format(err)))
		}
	}
	return nil, &TemplateError{
		Template: r.template[tmpl], Object: "node pools of cluster " + cd.Name,
		Err: errors.New(briefErrors{}.Format(evalErr)),
	}
}

// enforceAnnotations sets the capacity annotations whatever the template
// did: an override cannot drop the guards against pruning by accident.
func enforceAnnotations(body map[string]any, annotations map[string]string) {
	m, _ := body["metadata"].(map[string]any)
	a, _ := m["annotations"].(map[string]any)
	if a == nil {
		a = map[string]any{}
		m["annotations"] = a
	}
	for k, v := range annotations {
		a[k] = v
	}
}

func decodeJSON(js string, v any) error {
	dec := json.NewDecoder(strings.NewReader(js))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decoding template output: %w", err)
	}
	return nil
}

// decodeObjects reads one template result: an object or a list of them,
// each with apiVersion, kind and metadata.name.
func decodeObjects(v any) ([]map[string]any, error) {
	var list []any
	switch t := v.(type) {
	case map[string]any:
		list = []any{t}
	case []any:
		list = t
	default:
		return nil, fmt.Errorf("template returned %s, want an object or a list of objects", jsonType(v))
	}
	out := make([]map[string]any, 0, len(list))
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("item %d: template returned %s, want an object", i, jsonType(e))
		}
		for _, f := range []string{"apiVersion", "kind"} {
			if s, _ := m[f].(string); s == "" {
				return nil, fmt.Errorf("item %d: object has no %s", i, f)
			}
		}
		meta, _ := m["metadata"].(map[string]any)
		if name, _ := meta["name"].(string); name == "" {
			return nil, fmt.Errorf("item %d (%v): object has no metadata.name", i, m["kind"])
		}
		if a, ok := meta["annotations"]; ok && a != nil {
			if _, ok := a.(map[string]any); !ok {
				return nil, fmt.Errorf("item %d (%v): metadata.annotations is %s, want an object", i, m["kind"], jsonType(a))
			}
		}
		out = append(out, manifest.Normalize(m).(map[string]any))
	}
	return out, nil
}

func jsonType(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// collect wraps template output as manifest objects of the cluster and
// rejects two objects with one identity.
func collect(out []*manifest.Object, objs []map[string]any, c *model.Cluster, source string, seen map[string]string, what string) ([]*manifest.Object, error) {
	for _, body := range objs {
		o, err := manifest.New(source, body)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", source, what, err)
		}
		o.Cluster, o.Hub = c.Name, ""
		if prev, dup := seen[o.ID()]; dup {
			return nil, fmt.Errorf("%s: %s renders %s, already rendered for %s", source, what, o, prev)
		}
		seen[o.ID()] = what
		out = append(out, o)
	}
	return out, nil
}
