// Package fleetgen generates valid hubs/ trees of any size for benchmarks
// and for end-to-end validation of rendered objects. A generated fleet
// mixes every provider and node provisioner and, once it has a few hubs per
// cluster, turns on every option of the hub file format.
package fleetgen

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing/fstest"
)

// Options size the fleet. The same options always give the same files.
type Options struct {
	Clusters       int
	HubsPerCluster int
	Seed           int64
}

// GenerateAllOptions returns a small fleet that uses every option of the
// spec: all providers and provisioners, every auth type, daskhubs, GPU
// profiles with options, NFS, dynamic and no homes, hub node pools, both
// kinds of patches, culling, placeholders, cloud identity and CUE hubs.
func GenerateAllOptions() fstest.MapFS {
	return Generate(Options{Clusters: len(variants), HubsPerCluster: 6, Seed: 1})
}

// variant is one provider / provisioner combination with its machine types.
type variant struct {
	provider, provisioner string
	core, user, big, dask string
	dask2                 string // a second worker type where the provisioner allows several
	gpu, gpuType          string
	block, nodeClass      string
	zone                  string
}

var variants = []variant{
	{
		provider: "aws", provisioner: "karpenter",
		core: "r5.large", user: "r5.xlarge", big: "r5.4xlarge", dask: "r5.4xlarge", dask2: "r6i.4xlarge",
		gpu: "g4dn.xlarge", gpuType: "nvidia-tesla-t4", zone: "us-west-2a",
		block:     "aws: {account: \"123456789012\", region: us-west-2, clusterName: %[1]s}",
		nodeClass: "nodeClass:\n  aws: {role: KarpenterNodeRole-%[1]s, amiAlias: al2023@latest, discoveryTag: %[1]s}\n",
	},
	{
		provider: "gcp", provisioner: "config-connector",
		core: "n2-standard-2", user: "n2-highmem-4", big: "n2-highmem-16", dask: "n2-highmem-16",
		gpu: "n1-standard-8", gpuType: "nvidia-tesla-t4", zone: "us-central1-a",
		block: "gcp: {project: hubs-%[1]s, location: us-central1, clusterName: %[1]s}",
	},
	{
		provider: "azure", provisioner: "aso",
		core: "Standard_D2s_v5", user: "Standard_E4s_v5", big: "Standard_E16s_v5", dask: "Standard_E16s_v5",
		gpu: "Standard_NC4as_T4_v3", gpuType: "nvidia-tesla-t4", zone: "1",
		block: "azure: {subscriptionID: 00000000-1111-2222-3333-444444444444, resourceGroup: rg-%[1]s, clusterName: %[1]s, location: westeurope}",
	},
	{
		provider: "azure", provisioner: "karpenter",
		core: "Standard_D2s_v5", user: "Standard_E4s_v5", big: "Standard_E16s_v5", dask: "Standard_E16s_v5", dask2: "Standard_E16as_v5",
		gpu: "Standard_NC4as_T4_v3", gpuType: "nvidia-tesla-t4", zone: "1",
		block:     "azure: {subscriptionID: 00000000-1111-2222-3333-444444444444, resourceGroup: rg-%[1]s, clusterName: %[1]s, location: westeurope}",
		nodeClass: "nodeClass:\n  azure: {imageFamily: AzureLinux}\n",
	},
}

var hubStems = []string{"staging", "prod", "workshop", "ml", "research", "class"}

var authTypes = []string{"github", "cilogon", "google", "generic-oauth", "shared-password"}

// Generate returns the files of a fleet: hubs/fleet.yaml, and per cluster
// hubs/<cluster>/cluster.yaml and its hub files.
func Generate(opts Options) fstest.MapFS {
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x6875626665657421))
	fs := fstest.MapFS{}
	fs["hubs/fleet.yaml"] = file(fleetYAML)
	hubIndex := 0
	for c := 0; c < opts.Clusters; c++ {
		v := variants[c%len(variants)]
		name := fmt.Sprintf("%s-%02d", strings.ReplaceAll(v.provider+"-"+v.provisioner, "config-connector", "kcc"), c)
		fs["hubs/"+name+"/cluster.yaml"] = file(clusterYAML(name, v, rng))
		for h := 0; h < opts.HubsPerCluster; h++ {
			hub := fmt.Sprintf("%s-%d", hubStems[h%len(hubStems)], h/len(hubStems)+1)
			g := hubIndex
			hubIndex++
			if g%7 == 3 {
				fs["hubs/"+name+"/"+hub+".cue"] = file(hubCUE(name, hub))
				continue
			}
			fs["hubs/"+name+"/"+hub+".yaml"] = file(hubYAML(name, hub, v, g, rng))
		}
	}
	return fs
}

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s), Mode: 0o644} }

const fleetYAML = `# yaml-language-server: $schema=../schema/fleet.schema.json
gitops:
  repoURL: https://github.com/example-org/hubs.git
  targetRevision: main
  argocdNamespace: argocd
versions:
  jupyterhub: 4.4.0
  daskGateway: 2026.3.0
  addons: {ingressNginx: 4.13.3, certManager: v1.20.3, externalSecrets: 0.20.4, karpenter: 1.8.1}
hubDefaults:
  image: pangeo/pangeo-notebook:2024.11.08
  culling: {enabled: true, idleTimeout: 3600, maxAge: 604800, every: 600}
`

func clusterYAML(name string, v variant, rng *rand.Rand) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# yaml-language-server: $schema=../../schema/cluster.schema.json\nname: %s\nprovider: %s\n", name, v.provider)
	fmt.Fprintf(&b, v.block+"\n", name)
	fmt.Fprintf(&b, "nodeProvisioner: %s\nargocd: {destination: %s}\n", v.provisioner, name)
	b.WriteString("ingress: {className: nginx, clusterIssuer: letsencrypt-prod}\n")
	fmt.Fprintf(&b, "secretStore: {kind: ClusterSecretStore, name: %s-secrets}\n", v.provider)
	if v.nodeClass != "" {
		b.WriteString(strings.ReplaceAll(v.nodeClass, "%[1]s", name))
	}
	daskTypes := v.dask
	if v.dask2 != "" {
		daskTypes += ", " + v.dask2
	}
	fmt.Fprintf(&b, `nodePools:
  - {name: core, purpose: core, instanceTypes: [%s], min: 1, max: 3}
  - name: user
    purpose: user
    instanceTypes: [%s]
    max: %d
    disruption: {consolidationPolicy: WhenEmpty, consolidateAfter: 10m, expireAfter: Never}
  - {name: user-big, purpose: user, instanceTypes: [%s], max: 20, diskSizeGiB: 200, zones: ["%s"]}
  - name: dask
    purpose: dask-worker
    instanceTypes: [%s]
    max: %d
    labels: {example.org/team: dask}
  - name: gpu
    purpose: user
    instanceTypes: [%s]
    gpu: {type: %s, count: 1}
    max: 4
    generation: a
    taints: [{key: example.org/gpu, value: "true", effect: NoSchedule}]
`, v.core, v.user, 50+rng.IntN(100), v.big, v.zone, daskTypes, 100+rng.IntN(200), v.gpu, v.gpuType)
	fmt.Fprintf(&b, "hubDefaults:\n  storage:\n    home: {type: dynamic, size: %dGi}\n", 10*(1+rng.IntN(3)))
	return b.String()
}

func hubYAML(cluster, hub string, v variant, g int, rng *rand.Rand) string {
	var b strings.Builder
	b.WriteString("# yaml-language-server: $schema=../../schema/hub.schema.json\n")
	fmt.Fprintf(&b, "displayName: %s on %s\ndomain: %s.%s.hubs.example.org\n", hub, cluster, hub, cluster)
	if g%4 == 1 {
		fmt.Fprintf(&b, "namespace: %s-ns\n", hub)
	}
	b.WriteString(authYAML(cluster, hub, authTypes[g%len(authTypes)]))
	if g%3 == 0 {
		b.WriteString("image: quay.io/jupyter/scipy-notebook:2024-11-04\n")
	}
	b.WriteString("environment: {SCRATCH_BUCKET: \"s3://scratch/$(JUPYTERHUB_USER)\"}\n")
	mem := 2 + rng.IntN(6)
	fmt.Fprintf(&b, `profiles:
  - slug: small
    displayName: Small
    description: For most work
    default: true
    nodePool: user
    cpu: {guarantee: 0.5, limit: 2}
    memory: {guarantee: %dG, limit: %dG}
`, mem, 2*mem)
	if g%2 == 0 {
		b.WriteString(`  - slug: large
    displayName: Large
    nodePool: user-big
    cpu: {guarantee: 4, limit: 8}
    memory: {guarantee: 32G, limit: 48G}
    environment: {OMP_NUM_THREADS: "8"}
`)
	}
	if g%3 != 2 {
		b.WriteString(`  - slug: gpu
    displayName: GPU
    nodePool: gpu
    gpus: 1
    image: pangeo/ml-notebook:2024.11.08
    cpu: {guarantee: 2, limit: 3}
    memory: {guarantee: 8G, limit: 12G}
    allowedGroups: [gpu-users]
    options:
      image:
        displayName: Image
        choices:
          pangeo: {displayName: Pangeo ML, image: "pangeo/ml-notebook:2024.11.08", default: true}
          pytorch: {displayName: PyTorch, image: "quay.io/jupyter/pytorch-notebook:2024-11-04", environment: {TORCH_HOME: /tmp/torch}}
        unlisted: {enabled: true, displayName: Other, validationRegex: '^.+:.+$'}
`)
	}
	if g%5 == 4 {
		fmt.Fprintf(&b, `  - slug: own
    displayName: Own pool
    nodePool: own
    cpu: {guarantee: 1, limit: 2}
    memory: {guarantee: 4G, limit: 8G}
nodePools:
  - {name: own, purpose: user, instanceTypes: [%s], max: 5}
`, v.user)
	}
	switch g % 4 {
	case 0:
		b.WriteString("storage:\n  home: {type: dynamic, size: 20Gi}\n")
	case 2:
		fmt.Fprintf(&b, "storage:\n  home: {type: nfs, server: nfs.%s.internal, path: /homes/%s}\n  shared: {enabled: true}\n", cluster, hub)
	case 3:
		b.WriteString("storage:\n  home: {type: none}\n")
	}
	fmt.Fprintf(&b, "culling: {enabled: %t, idleTimeout: %d, every: 300}\n", g%6 != 5, 1800+60*rng.IntN(60))
	fmt.Fprintf(&b, "cloudIdentity: %t\n", g%2 == 1)
	if g%2 == 0 {
		b.WriteString(`dask:
  enabled: true
  workerNodePool: dask
  schedulerNodePool: user
  scheduler: {cores: 1, memory: 2G}
  workerSizes:
    - {name: small, cores: 1, memory: 4G}
    - {name: large, cores: 4, memory: 16G}
  limits: {maxCores: 200, maxMemory: 800G, maxWorkers: 50}
  idleTimeout: 1800
`)
	}
	fmt.Fprintf(&b, "userScheduler: {enabled: %t}\nplaceholders: {replicas: %d}\nimagePuller: {enabled: %t}\n", g%5 != 3, g%3, g%4 != 3)
	switch g % 3 {
	case 0:
		b.WriteString(`patches:
  - target: {kind: Deployment, name: hub}
    patch: |-
      - op: add
        path: /spec/template/metadata/annotations/example.org~1owner
        value: data-team
`)
	case 1:
		b.WriteString(`patches:
  - target: {kind: Deployment, name: proxy}
    patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: proxy
        annotations:
          example.org/tier: production
`)
	}
	return b.String()
}

func authYAML(cluster, hub, typ string) string {
	secret := fmt.Sprintf("{secretRef: {key: %s/%s/oauth, property: client-secret}}", cluster, hub)
	head := fmt.Sprintf("auth:\n  type: %s\n  clientId: %s-%s\n  clientSecret: %s\n", typ, cluster, hub, secret)
	switch typ {
	case "github":
		return head + "  github: {allowedOrganizations: [\"example-org:hub-users\", example-org]}\n  admins: [alice, bob]\n"
	case "cilogon":
		return head + `  cilogon:
    allowedIdps:
      "http://google.com/accounts/o8/id": {usernameClaim: email, allowedDomains: [example.edu], default: true}
      "urn:mace:incommon:example.edu": {usernameClaim: email, allowedDomains: [example.edu]}
  admins: [alice@example.edu]
`
	case "google":
		return head + "  google: {allowedDomains: [example.edu]}\n  allowedUsers: [carol@example.com]\n"
	case "generic-oauth":
		return head + `  generic-oauth:
    authorizeUrl: https://auth.example.org/authorize
    tokenUrl: https://auth.example.org/token
    userdataUrl: https://auth.example.org/userinfo
    usernameClaim: preferred_username
    scopes: [openid, groups]
    allowedGroups: [hub-users]
    groupsClaim: groups
`
	}
	// No admins: anyone who knows a shared password could log in as one.
	return fmt.Sprintf("auth:\n  type: shared-password\n  sharedPassword: {secretRef: {key: %s/%s/password}}\n", cluster, hub)
}

func hubCUE(cluster, hub string) string {
	return fmt.Sprintf(`// A hub written in CUE.
let pool = "user"

displayName: "%[2]s on %[1]s"
domain:      "%[2]s.%[1]s.hubs.example.org"
auth: {
	type:     "github"
	clientId: "%[1]s-%[2]s"
	clientSecret: secretRef: {key: "%[1]s/%[2]s/github", property: "client-secret"}
	github: allowedOrganizations: ["example-org"]
}
profiles: [for i, size in [2, 4] {
	slug:        "mem-\(size)g"
	displayName: "\(size) GB"
	default:     i == 0
	nodePool:    pool
	cpu: guarantee: 0.5
	memory: {guarantee: "\(size)G", limit: "\(size*2)G"}
}]
storage: home: {type: "dynamic", storageClass: "standard"}
`, cluster, hub)
}
