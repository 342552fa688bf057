package addons

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	k8svalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/verify"
)

// sharedCRDs holds the upstream CRDs; HUBFLEET_SHARED_CRDS overrides it.
func sharedCRDs() string {
	if d := os.Getenv("HUBFLEET_SHARED_CRDS"); d != "" {
		return d
	}
	return "/work/shared/crds"
}

// schema is one served version of a CRD: what the API server validates a
// custom resource with, and what it prunes unknown fields with.
type schema struct {
	validator  validation.SchemaValidator
	structural *structuralschema.Structural
}

func loadSchema(t *testing.T, file, version string) schema {
	t.Helper()
	return loadSchemaFrom(t, sharedCRDs(), file, version)
}

func loadSchemaFrom(t *testing.T, dir, file, version string) schema {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Skipf("CRD not available: %v", err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(data, &crd); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	for _, v := range crd.Spec.Versions {
		if v.Name != version || v.Schema == nil {
			continue
		}
		var props apiextensions.JSONSchemaProps
		if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(
			v.Schema.OpenAPIV3Schema, &props, nil); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		val, _, err := validation.NewSchemaValidator(&props)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		st, err := structuralschema.NewStructural(&props)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		return schema{validator: val, structural: st}
	}
	t.Fatalf("%s: no served version %s", file, version)
	return schema{}
}

// problems lists what the API server would reject, and the fields it
// would silently drop as unknown.
func (s schema) problems(t *testing.T, body map[string]any) []string {
	t.Helper()
	var out []string
	for _, e := range validation.ValidateCustomResource(field.NewPath(""), body, s.validator) {
		out = append(out, e.Error())
	}
	cp := roundTrip(t, body)
	for _, u := range pruning.PruneWithOptions(cp, s.structural, true,
		structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true}) {
		out = append(out, "unknown field "+u)
	}
	meta, _ := body["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	for _, e := range k8svalidation.IsDNS1123Subdomain(name) {
		out = append(out, "metadata.name: "+e)
	}
	return out
}

// roundTrip is body as JSON decodes it: the form the API server sees.
func roundTrip(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func fleets() map[string]*model.Fleet {
	nap := threeClusters()
	for _, c := range nap.Clusters {
		if c.Provider == model.ProviderAzure {
			c.NodeProvisioner = model.ProvisionerKarpenter
			c.SecretStore = model.SecretStore{Kind: "SecretStore", Name: "per-namespace"}
		}
	}
	return map[string]*model.Fleet{"three clusters": threeClusters(), "azure NAP, SecretStore": nap}
}

// TestArgoObjectsValid validates every AppProject and Application against
// the Argo CD v3.5.1 CRDs, and through package verify as the build does.
func TestArgoObjectsValid(t *testing.T) {
	schemas := map[string]schema{
		"Application": loadSchema(t, "argoproj.io_applications.yaml", "v1alpha1"),
		"AppProject":  loadSchema(t, "argoproj.io_appprojects.yaml", "v1alpha1"),
	}
	for name, f := range fleets() {
		t.Run(name, func(t *testing.T) {
			for _, o := range mustRender(t, f) {
				s, ok := schemas[o.Kind()]
				if !ok || o.APIVersion() != apiVersion {
					t.Fatalf("unexpected object %s (%s)", o, o.APIVersion())
				}
				for _, p := range s.problems(t, o.Body) {
					t.Errorf("%s: %s", o, p)
				}
				if err := verify.Object(o); err != nil {
					t.Errorf("verify: %v", err)
				}
			}
		})
	}
}

// TestClusterSecretStoresValid validates the ClusterSecretStore each
// provider gets, as ESO's chart would create it, against ESO's v1 CRD.
func TestClusterSecretStoresValid(t *testing.T) {
	css := loadSchema(t, "external-secrets.io_clustersecretstores.yaml", "v1")
	providers := map[string]bool{}
	for _, o := range mustRender(t, threeClusters()) {
		if o.Kind() != "Application" || o.Labels()[LabelAddOn] != ExternalSecrets {
			continue
		}
		extra := extraObjects(o)
		if len(extra) != 1 {
			t.Fatalf("%s: extraObjects = %v, want one ClusterSecretStore", o, extra)
		}
		store, ok := extra[0].(map[string]any)
		if !ok {
			t.Fatalf("%s: extraObjects[0] is %T", o, extra[0])
		}
		so := &manifest.Object{Body: store}
		if so.APIVersion() != "external-secrets.io/v1" || so.Kind() != "ClusterSecretStore" {
			t.Errorf("%s: extra object is %s %s", o, so.APIVersion(), so.Kind())
		}
		for _, p := range css.problems(t, store) {
			t.Errorf("%s: ClusterSecretStore: %s", o, p)
		}
		for k := range so.Get("spec", "provider").(map[string]any) {
			providers[k] = true
		}
	}
	for _, want := range []string{"aws", "gcpsm", "azurekv"} {
		if !providers[want] {
			t.Errorf("no ClusterSecretStore uses provider %s (got %v)", want, providers)
		}
	}
}

// TestSchemaCheckCatchesMistakes proves the checks above can fail.
func TestSchemaCheckCatchesMistakes(t *testing.T) {
	app := loadSchema(t, "argoproj.io_applications.yaml", "v1alpha1")
	css := loadSchema(t, "external-secrets.io_clustersecretstores.yaml", "v1")
	objs := mustRender(t, threeClusters())

	a := roundTrip(t, byName(t, objs, "Application", "pangeo-aws-addon-karpenter").Body)
	spec := a["spec"].(map[string]any)
	delete(spec, "project")                                                        // required
	spec["syncPolicy"].(map[string]any)["retry"].(map[string]any)["limit"] = "ten" // wrong type
	spec["source"].(map[string]any)["charts"] = "typo"                             // unknown
	if got := app.problems(t, a); len(got) < 3 {
		t.Errorf("want errors for the missing project, the string limit and the unknown field, got %q", got)
	}

	esoApp := byName(t, objs, "Application", "pangeo-gcp-addon-external-secrets")
	store := roundTrip(t, extraObjects(esoApp)[0].(map[string]any))
	provider := store["spec"].(map[string]any)["provider"].(map[string]any)
	provider["gcpsm"].(map[string]any)["projectId"] = "x" // ESO spells it projectID
	provider["aws"] = map[string]any{"service": "Vault"}  // region missing, service not in the enum
	if got := css.problems(t, store); len(got) < 3 {
		t.Errorf("want errors for projectId, the bad service and the missing region, got %q", got)
	}
}

// TestClusterIssuer checks the ClusterIssuer string cert-manager's chart
// receives: it must parse as one cert-manager.io/v1 ClusterIssuer that
// answers HTTP-01 through the cluster's ingress class. hubfleet has no
// cert-manager CRD to validate it with; hence the field-by-field check.
func TestClusterIssuer(t *testing.T) {
	objs := mustRender(t, threeClusters())
	for _, tc := range []struct{ app, issuer, class string }{
		{"pangeo-aws-addon-cert-manager", "letsencrypt-prod", "nginx"},
		{"pangeo-gcp-addon-cert-manager", "letsencrypt", "gce"},
	} {
		extra := extraObjects(byName(t, objs, "Application", tc.app))
		if len(extra) != 1 {
			t.Fatalf("%s: extraObjects = %v", tc.app, extra)
		}
		doc, ok := extra[0].(string)
		if !ok {
			t.Fatalf("%s: cert-manager's chart runs extraObjects through tpl, which needs strings; got %T", tc.app, extra[0])
		}
		var issuer map[string]any
		if err := yaml.UnmarshalStrict([]byte(doc), &issuer); err != nil {
			t.Fatalf("%s: %v", tc.app, err)
		}
		o := &manifest.Object{Body: issuer}
		if o.APIVersion() != "cert-manager.io/v1" || o.Kind() != "ClusterIssuer" || o.Name() != tc.issuer {
			t.Errorf("%s: got %s %s %s", tc.app, o.APIVersion(), o.Kind(), o.Name())
		}
		if got := o.Get("spec", "acme", "server"); got != letsEncryptProduction {
			t.Errorf("%s: ACME server %v", tc.app, got)
		}
		if got, _ := o.Get("spec", "acme", "privateKeySecretRef", "name").(string); got == "" {
			t.Errorf("%s: privateKeySecretRef.name is required", tc.app)
		}
		solvers, _ := o.Get("spec", "acme", "solvers").([]any)
		if len(solvers) != 1 {
			t.Fatalf("%s: solvers = %v", tc.app, solvers)
		}
		http01 := (&manifest.Object{Body: solvers[0].(map[string]any)}).Get("http01", "ingress", "ingressClassName")
		if http01 != tc.class {
			t.Errorf("%s: HTTP-01 ingress class %v, want %s", tc.app, http01, tc.class)
		}
		if o.Annotations()[annSyncWave] != waveInChart {
			t.Errorf("%s: ClusterIssuer must wait for cert-manager's webhook (sync wave %s)", tc.app, waveInChart)
		}
	}
}

// TestClusterIssuerAgainstCRD validates the ClusterIssuers against
// cert-manager's own CRD when HUBFLEET_CERT_MANAGER_CRDS names a folder
// holding cert-manager.io_clusterissuers.yaml (deploy/crds in the
// cert-manager repository at the pinned tag). hubfleet does not carry that
// CRD, which is why the issuer travels in the chart's values.
func TestClusterIssuerAgainstCRD(t *testing.T) {
	dir := os.Getenv("HUBFLEET_CERT_MANAGER_CRDS")
	if dir == "" {
		t.Skip("HUBFLEET_CERT_MANAGER_CRDS not set")
	}
	s := loadSchemaFrom(t, dir, "cert-manager.io_clusterissuers.yaml", "v1")
	for _, o := range mustRender(t, threeClusters()) {
		if o.Labels()[LabelAddOn] != CertManager {
			continue
		}
		for _, e := range extraObjects(o) {
			var issuer map[string]any
			if err := yaml.UnmarshalStrict([]byte(e.(string)), &issuer); err != nil {
				t.Fatalf("%s: %v", o, err)
			}
			for _, p := range s.problems(t, issuer) {
				t.Errorf("%s: ClusterIssuer: %s", o, p)
			}
		}
	}
}
