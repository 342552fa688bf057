package check

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"testing"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// The baseline fleet: valid, with one cluster per provisioner. Tests load
// it, break one thing in Go, and expect diagnostics at these files' lines.
var baseline = map[string]string{
	"hubs/fleet.yaml": `
gitops: {repoURL: https://github.com/example/hubs.git, targetRevision: main, argocdNamespace: argocd}
versions:
  jupyterhub: 4.4.0
  daskGateway: 2026.3.0
`,
	"hubs/aws/cluster.yaml": `
provider: aws
aws: {account: "123456789012", region: us-west-2, clusterName: pangeo}
nodeProvisioner: karpenter
argocd: {destination: aws}
ingress: {className: nginx, clusterIssuer: letsencrypt}
secretStore: {kind: ClusterSecretStore, name: aws-secrets}
nodeClass:
  aws: {role: KarpenterNodeRole-pangeo, amiAlias: al2023@latest, discoveryTag: pangeo}
nodePools:
  - name: core
    purpose: core
    instanceTypes: [r5.large]
    min: 1
    max: 3
    capacityType: on-demand
    arch: amd64
  - name: user
    purpose: user
    instanceTypes: [r5.xlarge, r5.2xlarge]
    max: 100
    capacityType: on-demand
    arch: amd64
  - name: dask
    purpose: dask-worker
    instanceTypes: [r5.4xlarge, r6i.4xlarge]
    max: 200
    capacityType: spot
    arch: amd64
    labels:
      example.org/team: pangeo
  - name: gpu-t4
    purpose: user
    instanceTypes: [g4dn.xlarge]
    max: 10
    capacityType: on-demand
    arch: amd64
    gpu: {type: nvidia-tesla-t4, count: 1}
`,
	"hubs/aws/staging.yaml": `
displayName: Pangeo staging
domain: staging.pangeo.example.org
namespace: staging
auth:
  type: github
  clientId: 0123abcd
  clientSecret: {secretRef: {key: aws/staging/github, property: client-secret}}
  github:
    allowedOrganizations: ["pangeo-data:hub-users"]
  admins: [alice]
image: pangeo/pangeo-notebook:2024.11.08
defaultUrl: /lab
environment:
  SCRATCH_BUCKET: s3://scratch/$(JUPYTERHUB_USER)
profiles:
  - slug: small
    displayName: Small
    default: true
    nodePool: user
    cpu: {guarantee: 0.5, limit: 2}
    memory: {guarantee: 4G, limit: 8G}
    options:
      size:
        displayName: Size
        choices:
          medium: {displayName: Medium, cpu: {guarantee: 2, limit: 4}, memory: {guarantee: 12G, limit: 16G}}
          small: {displayName: Small, default: true}
  - slug: gpu
    displayName: GPU
    nodePool: gpu-t4
    gpus: 1
    cpu: {guarantee: 2, limit: 4}
    memory: {guarantee: 8G, limit: 15G}
storage:
  home: {type: dynamic, size: 10Gi}
culling: {enabled: true, idleTimeout: 3600, maxAge: 604800, every: 600}
dask:
  enabled: true
  workerNodePool: dask
  scheduler: {cores: 1, memory: 2G}
  workerSizes:
    - {name: small, cores: 1, memory: 4G}
    - {name: large, cores: 4, memory: 16G}
  limits: {maxCores: 400, maxMemory: 1600G, maxWorkers: 100}
  idleTimeout: 1800
userScheduler: {enabled: true}
placeholders: {replicas: 2}
patches:
  - target: {kind: Deployment, name: hub}
    patch: |-
      - op: add
        path: /metadata/annotations/owner
        value: data-team
`,
	"hubs/aws/workshop.yaml": `
displayName: Workshop
domain: workshop.pangeo.example.org
auth:
  type: shared-password
  sharedPassword: {secretRef: {key: aws/workshop/password}}
image: pangeo/pangeo-notebook:2024.11.08
profiles:
  - slug: default
    displayName: Default
    default: true
    nodePool: user
    cpu: {guarantee: 0.5, limit: 1}
    memory: {guarantee: 2G, limit: 4G}
storage:
  home: {type: none}
nodePools:
  - name: big
    purpose: user
    instanceTypes: [r5.4xlarge]
    max: 5
    capacityType: on-demand
    arch: amd64
`,
	"hubs/gcp/cluster.yaml": `
provider: gcp
gcp: {project: pangeo-hubs, location: us-central1, clusterName: pangeo}
nodeProvisioner: config-connector
argocd: {destination: gcp}
ingress: {className: nginx, clusterIssuer: letsencrypt}
secretStore: {kind: ClusterSecretStore, name: gcp-secrets}
nodePools:
  - name: core
    purpose: core
    instanceTypes: [n2-highmem-2]
    min: 1
    max: 3
    capacityType: on-demand
    arch: amd64
  - name: user
    purpose: user
    instanceTypes: [n2-highmem-4]
    max: 50
    capacityType: on-demand
    arch: amd64
  - name: gpu
    purpose: user
    instanceTypes: [n1-standard-8]
    max: 4
    capacityType: on-demand
    arch: amd64
    gpu: {type: nvidia-tesla-t4, count: 1}
`,
	"hubs/gcp/prod.yaml": `
displayName: Prod
domain: prod.example.edu
auth:
  type: cilogon
  clientId: cilogon:/client_id/abc
  clientSecret: {secretRef: {key: gcp/prod/cilogon}}
  cilogon:
    allowedIdps:
      "https://github.com/login/oauth/authorize": {usernameClaim: preferred_username, allowedDomains: [example.edu]}
image: pangeo/pangeo-notebook:2024.11.08
profiles:
  - slug: small
    displayName: Small
    default: true
    nodePool: user
    cpu: {guarantee: 1, limit: 2}
    memory: {guarantee: 8G, limit: 8G}
  - slug: gpu
    displayName: GPU
    nodePool: gpu
    gpus: 1
    cpu: {guarantee: 2, limit: 4}
    memory: {guarantee: 16G, limit: 16G}
storage:
  home: {type: dynamic, size: 10Gi}
`,
	"hubs/azure/cluster.yaml": `
provider: azure
azure: {subscriptionID: sub, resourceGroup: rg, clusterName: pangeo, location: westeurope}
nodeProvisioner: aso
argocd: {destination: azure}
ingress: {className: nginx, clusterIssuer: letsencrypt}
secretStore: {kind: ClusterSecretStore, name: azure-kv}
nodePools:
  - name: core
    purpose: core
    instanceTypes: [Standard_E2s_v5]
    min: 1
    max: 3
    capacityType: on-demand
    arch: amd64
  - name: user
    purpose: user
    instanceTypes: [Standard_E4s_v5]
    max: 20
    capacityType: on-demand
    arch: amd64
  - name: arm
    purpose: dask-worker
    instanceTypes: [Standard_D16ps_v5]
    max: 20
    capacityType: spot
    arch: arm64
`,
	"hubs/azure/edu.yaml": `
displayName: Edu
domain: edu.example.org
auth:
  type: google
  clientId: abc.apps.googleusercontent.com
  clientSecret: {secretRef: {key: azure/edu/google}}
  google: {allowedDomains: [example.org]}
image: pangeo/pangeo-notebook:2024.11.08
profiles:
  - slug: small
    displayName: Small
    default: true
    nodePool: user
    cpu: {guarantee: 1, limit: 2}
    memory: {guarantee: 8G, limit: 8G}
storage:
  home: {type: dynamic, size: 10Gi}
dask:
  enabled: true
  workerNodePool: arm
  scheduler: {cores: 1, memory: 2G}
  workerSizes: [{name: small, cores: 2, memory: 8G}]
  limits: {maxWorkers: 10}
  idleTimeout: 1800
`,
}

// loadFleet builds a fleet from YAML files the way the loader does: decode
// by JSON tags, record the position of every field, wire the pointers.
func loadFleet(t *testing.T, files map[string]string) *model.Fleet {
	t.Helper()
	f := &model.Fleet{}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	clusters := map[string]*model.Cluster{}
	for _, name := range names {
		dir, base := path.Split(name)
		cname := path.Base(dir)
		switch {
		case name == "hubs/fleet.yaml":
			f.Source = name
			f.Positions = decode(t, name, files[name], f)
		case base == "cluster.yaml":
			cl := &model.Cluster{}
			cl.Src = model.Source{File: name, Positions: decode(t, name, files[name], cl)}
			cl.Name = cname
			for i := range cl.NodePools {
				cl.NodePools[i].Path, cl.NodePools[i].Src = fmt.Sprintf("nodePools[%d]", i), cl.Src
			}
			clusters[cname] = cl
			f.Clusters = append(f.Clusters, cl)
		}
	}
	for _, name := range names {
		dir, base := path.Split(name)
		cl := clusters[path.Base(dir)]
		if cl == nil || base == "cluster.yaml" {
			continue
		}
		h := &model.Hub{}
		h.Src = model.Source{File: name, Positions: decode(t, name, files[name], h)}
		h.Name = strings.TrimSuffix(base, ".yaml")
		h.Cluster = cl
		for i := range h.NodePools {
			h.NodePools[i].Hub, h.NodePools[i].Path, h.NodePools[i].Src = h.Name, fmt.Sprintf("nodePools[%d]", i), h.Src
		}
		for i := range h.Patches {
			h.Patches[i].Path = fmt.Sprintf("patches[%d]", i)
			h.Patches[i].Pos = h.Src.Positions[h.Patches[i].Path]
		}
		cl.Hubs = append(cl.Hubs, h)
	}
	return f
}

// decode fills v from YAML text and returns the positions of its fields.
func decode(t *testing.T, file, text string, v any) model.Positions {
	t.Helper()
	if err := yaml.UnmarshalStrict([]byte(text), v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var doc yamlv3.Node
	if err := yamlv3.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	ps := model.Positions{}
	if len(doc.Content) > 0 {
		walk(ps, file, "", doc.Content[0])
	}
	return ps
}

// walk records "path -> position of the key (or list item)".
func walk(ps model.Positions, file, prefix string, n *yamlv3.Node) {
	switch n.Kind {
	case yamlv3.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			label := k.Value
			if !isIdent(label) {
				label = strconv.Quote(label)
			}
			p := label
			if prefix != "" {
				p = prefix + "." + label
			}
			ps[p] = model.Pos{File: file, Line: k.Line, Col: k.Column}
			walk(ps, file, p, n.Content[i+1])
		}
	case yamlv3.SequenceNode:
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", prefix, i)
			ps[p] = model.Pos{File: file, Line: item.Line, Col: item.Column}
			walk(ps, file, p, item)
		}
	}
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9' {
			continue
		}
		return false
	}
	return true
}

// lines renders diagnostics as "FILE:LINE:COL: [warning: ]path: message",
// without hints.
func lines(l diag.List) []string {
	out := make([]string, len(l))
	for i, d := range l {
		d.Hint = ""
		out[i] = d.String()
	}
	return out
}

// hubOf and clusterOf find fixture entities.
func clusterOf(f *model.Fleet, name string) *model.Cluster { return f.Cluster(name) }

func hubOf(f *model.Fleet, id string) *model.Hub {
	c, h, _ := strings.Cut(id, "/")
	for _, x := range f.Cluster(c).Hubs {
		if x.Name == h {
			return x
		}
	}
	return nil
}
