package addons

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// appsOf returns the add-on names of a cluster's rendered Applications.
func appsOf(objs []*manifest.Object, cluster string) []string {
	var out []string
	for _, o := range objs {
		if o.Cluster == cluster && o.Kind() == "Application" {
			out = append(out, o.Labels()[LabelAddOn])
		}
	}
	slices.Sort(out)
	return out
}

func TestWhatEachClusterGets(t *testing.T) {
	objs := mustRender(t, threeClusters())
	want := map[string][]string{
		"pangeo-aws":   {CertManager, ExternalSecrets, IngressNginx, Karpenter},
		"pangeo-azure": {ASO, CertManager, ExternalSecrets, IngressNginx},
		// Class gce: no ingress-nginx; Config Connector is a GKE add-on.
		"pangeo-gcp": {CertManager, ExternalSecrets},
	}
	for cluster, apps := range want {
		if got := appsOf(objs, cluster); !slices.Equal(got, apps) {
			t.Errorf("%s: add-ons %v, want %v", cluster, got, apps)
		}
	}
	for _, o := range objs {
		if o.Hub != "" || o.Source != "hubs/"+o.Cluster+"/cluster.yaml" {
			t.Errorf("%s: cluster=%q hub=%q source=%q", o, o.Cluster, o.Hub, o.Source)
		}
	}
}

func TestNoIngressWithoutNginx(t *testing.T) {
	f := threeClusters()
	c := f.Cluster("pangeo-aws")
	c.Ingress.ClassName = "traefik"
	plan, err := PlanFor(f, c)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range plan.AddOns {
		if a.Name == IngressNginx {
			t.Fatal("ingress-nginx planned for class traefik")
		}
	}
	if !slices.ContainsFunc(plan.Omitted, func(o Omission) bool { return o.Name == IngressNginx }) {
		t.Errorf("omission of ingress-nginx not recorded: %v", plan.Omitted)
	}
	objs := mustRender(t, f)
	if slices.Contains(appsOf(objs, "pangeo-aws"), IngressNginx) {
		t.Error("ingress-nginx Application rendered for class traefik")
	}
	// The issuer still solves HTTP-01 through the cluster's own class.
	issuer := extraObjects(byName(t, objs, "Application", "pangeo-aws-addon-cert-manager"))[0].(string)
	if !strings.Contains(issuer, "ingressClassName: traefik") {
		t.Errorf("ClusterIssuer does not use class traefik:\n%s", issuer)
	}
	proj := PermissionsFor(plan)
	if slices.Contains(proj.Namespaces, IngressNginxNamespace) {
		t.Error("project still allows the ingress-nginx namespace")
	}
}

func TestNamespacedSecretStore(t *testing.T) {
	f := threeClusters()
	f.Cluster("pangeo-azure").SecretStore = model.SecretStore{Kind: "SecretStore", Name: "vault"}
	objs := mustRender(t, f)
	eso := byName(t, objs, "Application", "pangeo-azure-addon-external-secrets")
	if extra := extraObjects(eso); len(extra) != 0 {
		t.Errorf("ClusterSecretStore rendered for a SecretStore cluster: %v", extra)
	}
	proj := byName(t, objs, "AppProject", "pangeo-azure-addons")
	for _, e := range proj.Get("spec", "clusterResourceWhitelist").([]any) {
		if e.(map[string]any)["kind"] == "ClusterSecretStore" {
			t.Error("project allows a ClusterSecretStore the cluster does not have")
		}
	}
}

func TestNodeProvisioners(t *testing.T) {
	f := threeClusters()
	f.Cluster("pangeo-azure").NodeProvisioner = model.ProvisionerKarpenter
	objs := mustRender(t, f)
	if got := appsOf(objs, "pangeo-azure"); slices.Contains(got, ASO) || slices.Contains(got, Karpenter) {
		t.Errorf("Azure NAP cluster gets %v; NAP is part of AKS", got)
	}

	k := byName(t, objs, "Application", "pangeo-aws-addon-karpenter")
	if got := k.Get("spec", "source", "helm", "valuesObject", "settings", "clusterName"); got != "pangeo" {
		t.Errorf("karpenter settings.clusterName = %v, want aws.clusterName", got)
	}
	if got := k.Get("spec", "destination", "namespace"); got != "kube-system" {
		t.Errorf("karpenter namespace = %v", got)
	}
	// Native OCI source: the chart is the artifact, path ".", no chart field.
	if k.Get("spec", "source", "chart") != nil || k.Get("spec", "source", "path") != "." ||
		!strings.HasPrefix(k.Get("spec", "source", "repoURL").(string), "oci://") {
		t.Errorf("karpenter source = %v", k.Get("spec", "source"))
	}

	bad := threeClusters()
	bad.Cluster("pangeo-gcp").NodeProvisioner = model.ProvisionerASO
	if _, err := Render(bad); err == nil || !strings.Contains(err.Error(), "pangeo-gcp") {
		t.Errorf("aso on GCP: err = %v", err)
	}
}

// TestVersionsPinned: every chart version comes from fleet.yaml, and an
// empty pin is an error rather than "latest".
func TestVersionsPinned(t *testing.T) {
	f := threeClusters()
	f.Versions.AddOns = model.AddOnVersions{
		IngressNginx: "1.0.0", CertManager: "v2.0.0", ExternalSecrets: "3.0.0", Karpenter: "4.0.0",
	}
	want := map[string]string{IngressNginx: "1.0.0", CertManager: "v2.0.0", ExternalSecrets: "3.0.0",
		Karpenter: "4.0.0", ASO: DefaultASOVersion}
	for _, o := range mustRender(t, f) {
		if o.Kind() != "Application" {
			continue
		}
		if got := o.Get("spec", "source", "targetRevision"); got != want[o.Labels()[LabelAddOn]] {
			t.Errorf("%s: targetRevision %v, want %s", o, got, want[o.Labels()[LabelAddOn]])
		}
	}
	for _, field := range []string{"ingressNginx", "certManager", "externalSecrets", "karpenter"} {
		f := threeClusters()
		switch field {
		case "ingressNginx":
			f.Versions.AddOns.IngressNginx = ""
		case "certManager":
			f.Versions.AddOns.CertManager = ""
		case "externalSecrets":
			f.Versions.AddOns.ExternalSecrets = ""
		case "karpenter":
			f.Versions.AddOns.Karpenter = ""
		}
		if _, err := Render(f); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("empty versions.addons.%s: err = %v", field, err)
		}
	}
}

// TestProjectAdmitsItsApplications checks every Application against its
// project as Argo CD would: the project exists, the repository is a
// source repo, the destination is allowed; and the cluster-scoped objects
// the charts receive in extraObjects are whitelisted.
func TestProjectAdmitsItsApplications(t *testing.T) {
	f := threeClusters()
	objs := mustRender(t, f)
	for _, c := range f.Clusters {
		plan, err := PlanFor(f, c)
		if err != nil {
			t.Fatal(err)
		}
		perms := PermissionsFor(plan)
		proj := byName(t, objs, "AppProject", ProjectName(c))
		repos := proj.Get("spec", "sourceRepos").([]any)
		dests := proj.Get("spec", "destinations").([]any)
		used := map[any]bool{}
		for _, o := range objs {
			if o.Cluster != c.Name || o.Kind() != "Application" {
				continue
			}
			if o.Get("spec", "project") != ProjectName(c) {
				t.Errorf("%s: project %v", o, o.Get("spec", "project"))
			}
			repo := o.Get("spec", "source", "repoURL")
			used[repo] = true
			if !slices.Contains(repos, repo) {
				t.Errorf("%s: repo %v not in sourceRepos %v", o, repo, repos)
			}
			dest := o.Get("spec", "destination").(map[string]any)
			if !slices.ContainsFunc(dests, func(d any) bool {
				m := d.(map[string]any)
				return m["name"] == dest["name"] && m["namespace"] == dest["namespace"]
			}) {
				t.Errorf("%s: destination %v not allowed by %v", o, dest, dests)
			}
			for _, e := range extraObjects(o) {
				body, ok := e.(map[string]any)
				if !ok {
					body = parseYAML(t, e.(string))
				}
				if err := perms.Permit(&manifest.Object{Body: body}); err != nil {
					t.Errorf("%s: %v", o, err)
				}
			}
		}
		if len(used) != len(repos) {
			t.Errorf("%s: sourceRepos %v, but the Applications use %v", c.Name, repos, used)
		}
	}
	// And the check can fail: a ClusterIssuer of another name is refused.
	plan, _ := PlanFor(f, f.Cluster("pangeo-aws"))
	other := clusterIssuer(&model.Cluster{Ingress: model.Ingress{ClusterIssuer: "someone-else", ClassName: "nginx"}})
	if PermissionsFor(plan).Permit(&manifest.Object{Body: other}) == nil {
		t.Error("project admits a ClusterIssuer it was not made for")
	}
}

// TestSyncOrder: project before add-ons, add-ons before the cluster-wide
// Application, ASO after cert-manager (its chart holds Certificates).
func TestSyncOrder(t *testing.T) {
	wave := func(o *manifest.Object) int {
		n, err := strconv.Atoi(o.Annotations()[annSyncWave])
		if err != nil {
			t.Fatalf("%s: sync wave: %v", o, err)
		}
		return n
	}
	objs := mustRender(t, threeClusters())
	clusterWave := wave(byName(t, mustArgo(t, threeClusters()), "Application", "pangeo-aws-cluster"))
	for _, o := range objs {
		w := wave(o)
		if o.Kind() == "AppProject" && w >= wave(byName(t, objs, "Application", "pangeo-aws-addon-cert-manager")) {
			t.Errorf("%s: project wave %d not before its Applications", o, w)
		}
		if w >= clusterWave {
			t.Errorf("%s: wave %d not before the cluster Application's %d", o, w, clusterWave)
		}
	}
	if wave(byName(t, objs, "Application", "pangeo-azure-addon-aso")) <=
		wave(byName(t, objs, "Application", "pangeo-azure-addon-cert-manager")) {
		t.Error("ASO syncs no later than cert-manager")
	}
}

// TestNamesDoNotCollide renders argocd's objects and the add-ons for the
// same fleet: no two Argo CD objects of a kind may share a name.
func TestNamesDoNotCollide(t *testing.T) {
	f := threeClusters()
	all := append(mustArgo(t, f), mustRender(t, f)...)
	seen := map[string]bool{}
	for _, o := range all {
		key := o.Kind() + "/" + o.Name()
		if seen[key] {
			t.Errorf("duplicate %s", key)
		}
		seen[key] = true
	}
}

func TestCheckReportsCollisions(t *testing.T) {
	cases := map[string]struct {
		mutate func(f *model.Fleet)
		want   string
	}{
		"hub named like an add-on": {
			mutate: func(f *model.Fleet) {
				c := f.Cluster("pangeo-aws")
				c.Hubs = append(c.Hubs, &model.Hub{Name: "addon-cert-manager", Cluster: c})
			},
			want: `"pangeo-aws-addon-cert-manager"`,
		},
		"cluster named like an add-on project": {
			mutate: func(f *model.Fleet) {
				c := *f.Cluster("pangeo-gcp")
				c.Name = "pangeo-aws-addons"
				c.Hubs = nil
				f.Clusters = append(f.Clusters, &c)
			},
			want: `AppProject name "pangeo-aws-addons"`,
		},
		"hub release label equals an add-on Application": {
			mutate: func(f *model.Fleet) {
				c := f.Cluster("pangeo-aws")
				c.Hubs = append(c.Hubs, &model.Hub{Name: "pangeo-aws-addon-karpenter", Cluster: c})
			},
			want: "release label",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := threeClusters()
			if d := Check(f); len(d) != 0 {
				t.Fatalf("clean fleet: %v", d)
			}
			tc.mutate(f)
			d := Check(f)
			if len(d) == 0 || !strings.Contains(d[0].Message, tc.want) {
				t.Fatalf("Check = %v, want a message with %s", d, tc.want)
			}
			if _, err := Render(f); err == nil {
				t.Error("Render accepted the colliding fleet")
			}
		})
	}
}

// TestBadInput: errors, never panics.
func TestBadInput(t *testing.T) {
	cases := map[string]func(f *model.Fleet){
		"nil aws block":      func(f *model.Fleet) { f.Cluster("pangeo-aws").AWS = nil },
		"nil gcp block":      func(f *model.Fleet) { f.Cluster("pangeo-gcp").GCP = nil },
		"no destination":     func(f *model.Fleet) { f.Cluster("pangeo-gcp").ArgoCD.Destination = "" },
		"no argocd ns":       func(f *model.Fleet) { f.GitOps.ArgocdNamespace = "" },
		"unknown provider":   func(f *model.Fleet) { f.Cluster("pangeo-gcp").Provider = "openstack" },
		"nil cluster":        func(f *model.Fleet) { f.Clusters = append(f.Clusters, nil) },
		"template in region": func(f *model.Fleet) { f.Cluster("pangeo-aws").AWS.Region = "{{ .Values.x }}" },
		"template in issuer": func(f *model.Fleet) { f.Cluster("pangeo-aws").Ingress.ClusterIssuer = "{{x}}" },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			f := threeClusters()
			mutate(f)
			if objs, err := Render(f); err == nil {
				t.Errorf("no error; rendered %d objects", len(objs))
			}
		})
	}
	if _, err := Render(nil); err == nil {
		t.Error("nil fleet: no error")
	}
}
