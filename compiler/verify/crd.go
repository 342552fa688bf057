package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	structuralpruning "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	celconfig "k8s.io/apiserver/pkg/apis/cel"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

// crdFile is one CRD hubfleet renders objects of, read on first use from
// its derived form (see derivedCRD).
type crdFile struct {
	file string // under crds/, as copied from shared/crds

	once       sync.Once
	err        error
	name       string
	group      string
	kind       string
	namespaced bool
	versions   map[string]*crdVersion
}

// crdVersion is one served version's schema, parsed and compiled on first
// use (the ASO CRD alone has ten versions).
type crdVersion struct {
	raw json.RawMessage // the apiextensions/v1 JSONSchemaProps

	once       sync.Once
	err        error
	props      *apiextensions.JSONSchemaProps
	structural *structuralschema.Structural
	validator  apiservervalidation.SchemaValidator
	cel        *cel.Validator
	blind      *blindNode // where the memo's key abstracts strings
}

// crdTable maps "group/Kind" to its CRD file; NodePool has one per provider.
var crdTable = map[string]map[string]*crdFile{}

func register(group, kind, provider, file string) {
	k := group + "/" + kind
	if crdTable[k] == nil {
		crdTable[k] = map[string]*crdFile{}
	}
	crdTable[k][provider] = &crdFile{file: file}
}

func init() {
	register("argoproj.io", "Application", "", "argoproj.io_applications.yaml")
	register("argoproj.io", "AppProject", "", "argoproj.io_appprojects.yaml")
	register("external-secrets.io", "ExternalSecret", "", "external-secrets.io_externalsecrets.yaml")
	register("external-secrets.io", "ClusterSecretStore", "", "external-secrets.io_clustersecretstores.yaml")
	register("generators.external-secrets.io", "Password", "", "generators.external-secrets.io_passwords.yaml")
	register("gateway.dask.org", "DaskCluster", "", "gateway.dask.org_daskclusters.yaml")
	register("traefik.io", "IngressRoute", "", "traefik.io_ingressroutes.yaml")
	register("traefik.io", "Middleware", "", "traefik.io_middlewares.yaml")
	register("karpenter.sh", "NodePool", "aws", "karpenter.sh_nodepools.yaml")
	register("karpenter.sh", "NodePool", "azure", "azure-variants/karpenter.sh_nodepools.yaml")
	register("karpenter.k8s.aws", "EC2NodeClass", "", "karpenter.k8s.aws_ec2nodeclasses.yaml")
	register("karpenter.azure.com", "AKSNodeClass", "", "karpenter.azure.com_aksnodeclasses.yaml")
	register("container.cnrm.cloud.google.com", "ContainerNodePool", "", "container.cnrm.cloud.google.com_containernodepools.yaml")
	register("containerservice.azure.com", "ManagedClustersAgentPool", "", "containerservice.azure.com_managedclustersagentpools.yaml")
}

// lookupCRD finds the CRD file for o's kind, choosing the provider build
// where there are several.
func lookupCRD(o *manifest.Object, opts Options) *crdFile {
	byProvider := crdTable[o.Group()+"/"+o.Kind()]
	if len(byProvider) == 0 {
		return nil
	}
	if f, ok := byProvider[""]; ok {
		return f
	}
	if f, ok := byProvider[opts.Provider]; ok {
		return f
	}
	// No build for that provider (or none given): infer from the object.
	switch g, _ := o.Get("spec", "template", "spec", "nodeClassRef", "group").(string); g {
	case "karpenter.azure.com":
		return byProvider["azure"]
	default:
		return byProvider["aws"]
	}
}

func (f *crdFile) load() error {
	f.once.Do(func() {
		d, err := readDerived(f.file)
		if err != nil {
			f.err = err
			return
		}
		f.name, f.group, f.kind, f.namespaced = d.Name, d.Group, d.Kind, d.Namespaced
		f.versions = make(map[string]*crdVersion, len(d.Versions))
		for name, raw := range d.Versions {
			f.versions[name] = &crdVersion{raw: raw}
		}
	})
	return f.err
}

func (v *crdVersion) compile() error {
	v.once.Do(func() {
		props, err := parseSchema(v.raw)
		if err != nil {
			v.err = err
			return
		}
		v.props = props
		s, err := structuralschema.NewStructural(v.props)
		if err != nil {
			v.err = fmt.Errorf("structural schema: %w", err)
			return
		}
		validator, _, err := apiservervalidation.NewSchemaValidator(v.props)
		if err != nil {
			v.err = fmt.Errorf("schema validator: %w", err)
			return
		}
		v.structural, v.validator = s, validator
		v.cel = cel.NewValidator(s, true, celconfig.PerCallLimit)
		v.blind = blindRoot(v.props)
	})
	return v.err
}

// checkCustom validates a custom object as the API server would on create:
// unknown fields (which it would silently prune) are errors, defaults are
// applied, then metadata, OpenAPI schema, list types and CEL rules.
func checkCustom(c *collector, o *manifest.Object, f *crdFile, memo *Memo) {
	if err := f.load(); err != nil {
		c.add("", "loading the CRD: "+err.Error())
		return
	}
	ver := f.versions[o.Version()]
	if ver == nil {
		c.add("apiVersion", fmt.Sprintf("version %q of %s is not served", o.Version(), f.name))
		return
	}
	if err := ver.compile(); err != nil {
		c.add("", fmt.Sprintf("compiling the schema of %s %s: %v", f.name, o.Version(), err))
		return
	}
	namespaced := f.namespaced
	body := o.Map()
	// The memo's key accepts only the JSON-like types normalize returns:
	// a body it keys is already normalized, and is read, not copied,
	// until the schema checks (which modify it) are due.
	var key memoKey
	keyed := false
	if memo != nil {
		key, keyed = schemaKey(ver, body)
	}
	obj, copied := body, false
	if !keyed {
		normalized, err := normalize(body)
		if err != nil {
			c.add("", err.Error())
			return
		}
		obj, copied = normalized.(map[string]any), true
		if memo != nil {
			key, keyed = schemaKey(ver, obj)
		}
	}

	if !checkCustomMeta(c, obj, namespaced) {
		// The strict decode failed, which stops checkCustomMeta; the API
		// server's own root check reads metadata leniently and reports
		// what else is wrong with it (a bad label next to an unknown
		// field, say). With an empty schema it checks the root alone.
		c.addField(objectmeta.Validate(context.Background(), nil, obj, &structuralschema.Structural{}, true))
	}

	if keyed {
		if _, ok := memo.passed.Load(key); ok {
			return
		}
	}
	before := len(c.errs)
	defer func() {
		if keyed && len(c.errs) == before {
			memo.passed.Store(key, struct{}{})
		}
	}()
	if !copied {
		normalized, err := normalize(body)
		if err != nil {
			c.add("", err.Error())
			return
		}
		obj = normalized.(map[string]any)
	}

	schemaChecks(c, obj, ver)
}

// schemaChecks runs what the memo covers on a normalized body, which it
// modifies (pruning, defaulting): the verdict must depend only on what
// schemaKey encodes.
func schemaChecks(c *collector, obj map[string]any, ver *crdVersion) {
	opts := structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true}
	for _, p := range structuralpruning.PruneWithOptions(obj, ver.structural, true, opts) {
		c.add(p, "unknown field (the API server would drop it)")
	}
	structuraldefaulting.Default(obj, ver.structural)

	// Embedded objects' metadata (x-kubernetes-embedded-resource). The
	// root's is checkCustomMeta's, per object and outside the memo's key:
	// once metadata decodes strictly, its rules cover the API server's
	// root check (names must be DNS subdomains, stricter than its path
	// segments).
	c.addField(objectmeta.Validate(context.Background(), nil, obj, ver.structural, false))
	c.addField(apiservervalidation.ValidateCustomResource(nil, obj, ver.validator))
	c.addField(listtype.ValidateListSetsAndMaps(nil, ver.structural, obj))
	if ver.cel != nil {
		errs, _ := ver.cel.Validate(context.Background(), nil, ver.structural, obj, nil, celconfig.RuntimeCELCostBudget)
		c.addField(errs)
	}
}

// checkCustomMeta decodes metadata strictly and applies the generic name,
// namespace, label and annotation rules. It returns false when metadata is
// missing or does not decode, having checked nothing else.
func checkCustomMeta(c *collector, obj map[string]any, namespaced bool) bool {
	raw, ok := obj["metadata"].(map[string]any)
	if !ok {
		c.add("metadata", "metadata is required")
		return false
	}
	meta, err := decodeMeta(raw)
	if err != nil {
		c.add("metadata", err.Error())
		return false
	}
	c.addField(validateMeta(&meta, namespaced, dnsSubdomainName, metadataPath))
	if !namespaced && meta.Namespace != "" {
		c.add("metadata.namespace", "the kind is cluster-scoped and takes no namespace")
	}
	return true
}
