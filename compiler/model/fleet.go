// Package model is the typed fleet that every stage of hubfleet shares:
// the loader decodes CUE-validated hub files into these structs, the checker
// and the renderers read them. It imports nothing of ours.
//
// Field names and JSON tags follow the hub file format of SPEC §2 exactly, so
// a value decoded from CUE lands here without any renaming table.
package model

// Fleet is the whole hubs/ tree after layering and validation.
type Fleet struct {
	// Source is the fleet file relative to the root ("hubs/fleet.yaml"), or
	// empty when the fleet has none.
	Source string `json:"-"`

	GitOps   GitOps   `json:"gitops"`
	Versions Versions `json:"versions"`

	// Clusters sorted by name.
	Clusters []*Cluster `json:"-"`

	// Positions of the fleet file's fields, keyed by CUE path.
	Positions Positions `json:"-"`
}

// GitOps says what Argo CD syncs.
type GitOps struct {
	RepoURL         string `json:"repoURL"`
	TargetRevision  string `json:"targetRevision"`
	ArgocdNamespace string `json:"argocdNamespace"`
}

// Versions pins the component versions of the whole fleet: one edit upgrades
// every hub.
type Versions struct {
	JupyterHub  string `json:"jupyterhub"`
	DaskGateway string `json:"daskGateway"`
	// AddOns pins the upstream helm charts of the per-cluster add-ons.
	AddOns AddOnVersions `json:"addons"`
}

// AddOnVersions pins the helm chart versions of the cluster add-ons.
type AddOnVersions struct {
	IngressNginx    string `json:"ingressNginx"`
	CertManager     string `json:"certManager"`
	ExternalSecrets string `json:"externalSecrets"`
	Karpenter       string `json:"karpenter"`
}

// Cluster returns the named cluster or nil.
func (f *Fleet) Cluster(name string) *Cluster {
	for _, c := range f.Clusters {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Hubs returns every hub of the fleet, ordered by cluster then hub name.
func (f *Fleet) Hubs() []*Hub {
	var out []*Hub
	for _, c := range f.Clusters {
		out = append(out, c.Hubs...)
	}
	return out
}
