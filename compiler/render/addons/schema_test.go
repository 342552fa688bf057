package addons

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hubfleet/hubfleet/internal/verifytest"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime"
	k8svalidation "k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/argocd"
	"github.com/hubfleet/hubfleet/compiler/verify"
)

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

// TestArgoObjectsValid validates every AppProject and Application through
// package verify (the Argo CD v3.5.1 CRDs), as the build does.
func TestArgoObjectsValid(t *testing.T) {
	for name, f := range fleets() {
		t.Run(name, func(t *testing.T) {
			for _, o := range mustRender(t, f) {
				if (o.Kind() != "Application" && o.Kind() != "AppProject") || o.APIVersion() != argocd.APIVersion {
					t.Fatalf("unexpected object %s (%s)", o, o.APIVersion())
				}
				if err := verify.Object(o); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// storeOf returns the ClusterSecretStore an external-secrets Application
// hands ESO's chart in extraObjects, as an object of its own.
func storeOf(t *testing.T, app *manifest.Object) *manifest.Object {
	t.Helper()
	extra := extraObjects(app)
	if len(extra) != 1 {
		t.Fatalf("%s: extraObjects = %v, want one ClusterSecretStore", app, extra)
	}
	store, ok := extra[0].(map[string]any)
	if !ok {
		t.Fatalf("%s: extraObjects[0] is %T", app, extra[0])
	}
	return &manifest.Object{Cluster: app.Cluster, Source: app.Source, Body: store}
}

// TestClusterSecretStoresValid validates the ClusterSecretStore each
// provider gets, as ESO's chart would create it, against ESO's v1 CRD.
func TestClusterSecretStoresValid(t *testing.T) {
	providers := map[string]bool{}
	for _, o := range mustRender(t, threeClusters()) {
		if o.Kind() != "Application" || o.Labels()[LabelAddOn] != ExternalSecrets {
			continue
		}
		so := storeOf(t, o)
		if so.APIVersion() != "external-secrets.io/v1" || so.Kind() != "ClusterSecretStore" {
			t.Errorf("%s: extra object is %s %s", o, so.APIVersion(), so.Kind())
		}
		if err := verify.Object(so); err != nil {
			t.Errorf("%s: %v", o, err)
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

// TestSchemaCheckCatchesMistakes proves the checks above can fail on the
// kinds this package renders.
func TestSchemaCheckCatchesMistakes(t *testing.T) {
	objs := mustRender(t, threeClusters())

	a := byName(t, objs, "Application", "pangeo-aws-addon-karpenter")
	if err := verify.Object(a); err != nil {
		t.Fatalf("unmutated %s already invalid: %v", a, err)
	}
	spec := a.Map()["spec"].(map[string]any)
	delete(spec, "project")                                                        // required
	spec["syncPolicy"].(map[string]any)["retry"].(map[string]any)["limit"] = "ten" // wrong type
	spec["source"].(map[string]any)["charts"] = "typo"                             // unknown
	verifytest.WantFieldErrors(t, verify.Object(a), "spec.project", "spec.syncPolicy.retry.limit", "spec.source.charts")

	store := storeOf(t, byName(t, objs, "Application", "pangeo-gcp-addon-external-secrets"))
	if err := verify.Object(store); err != nil {
		t.Fatalf("unmutated %s already invalid: %v", store, err)
	}
	provider := store.Get("spec", "provider").(map[string]any)
	provider["gcpsm"].(map[string]any)["projectId"] = "x" // ESO spells it projectID
	provider["aws"] = map[string]any{"service": "Vault"}  // region missing, service not in the enum
	verifytest.WantFieldErrors(t, verify.Object(store),
		"spec.provider.gcpsm.projectId", "spec.provider.aws.service", "spec.provider.aws.region")
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
// CRD, which is why the issuer travels in the chart's values; package
// verify does not know the kind, hence the small schema check here.
func TestClusterIssuerAgainstCRD(t *testing.T) {
	dir := os.Getenv("HUBFLEET_CERT_MANAGER_CRDS")
	if dir == "" {
		t.Skip("HUBFLEET_CERT_MANAGER_CRDS not set")
	}
	check := issuerSchema(t, filepath.Join(dir, "cert-manager.io_clusterissuers.yaml"))
	for _, o := range mustRender(t, threeClusters()) {
		if o.Labels()[LabelAddOn] != CertManager {
			continue
		}
		for _, e := range extraObjects(o) {
			var issuer map[string]any
			if err := yaml.UnmarshalStrict([]byte(e.(string)), &issuer); err != nil {
				t.Fatalf("%s: %v", o, err)
			}
			for _, p := range check(issuer) {
				t.Errorf("%s: ClusterIssuer: %s", o, p)
			}
		}
	}
}

// issuerSchema loads the v1 schema of cert-manager's ClusterIssuer CRD and
// returns what the API server would reject in an issuer, and the fields it
// would silently drop as unknown.
func issuerSchema(t *testing.T, file string) func(map[string]any) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Skipf("CRD not available: %v", err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(data, &crd); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	for _, v := range crd.Spec.Versions {
		if v.Name != "v1" || v.Schema == nil {
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
		return func(body map[string]any) []string {
			var out []string
			for _, e := range validation.ValidateCustomResource(nil, body, val) {
				out = append(out, e.Error())
			}
			cp := runtime.DeepCopyJSON(body)
			for _, u := range pruning.PruneWithOptions(cp, st, true,
				structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true}) {
				out = append(out, "unknown field "+u)
			}
			name, _ := (&manifest.Object{Body: body}).Get("metadata", "name").(string)
			for _, e := range k8svalidation.IsDNS1123Subdomain(name) {
				out = append(out, "metadata.name: "+e)
			}
			return out
		}
	}
	t.Fatalf("%s: no served version v1", file)
	return nil
}
