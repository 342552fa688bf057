package check

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubfleet/hubfleet/compiler/model"
)

// fx gives test mutations short names for the fixture's entities.
type fx struct {
	f                 *model.Fleet
	aws, gcp, azure   *model.Cluster
	staging, workshop *model.Hub
	prod, edu         *model.Hub
}

func newFx(t *testing.T) fx {
	f := loadFleet(t, baseline)
	return fx{
		f: f, aws: clusterOf(f, "aws"), gcp: clusterOf(f, "gcp"), azure: clusterOf(f, "azure"),
		staging: hubOf(f, "aws/staging"), workshop: hubOf(f, "aws/workshop"),
		prod: hubOf(f, "gcp/prod"), edu: hubOf(f, "azure/edu"),
	}
}

type ruleCase struct {
	name   string
	mutate func(x fx)
	want   []string
}

func runCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := newFx(t)
			tc.mutate(x)
			got := lines(Check(x.f))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAuthRules(t *testing.T) {
	runCases(t, []ruleCase{
		{"github without restriction", func(x fx) { x.staging.Auth.GitHub.AllowedOrganizations = nil }, []string{
			`hubs/aws/staging.yaml:10:5: auth.github.allowedOrganizations: the hub would admit any GitHub user: set allowedOrganizations or auth.allowedUsers`,
		}},
		{"github allowed users only", func(x fx) {
			x.staging.Auth.GitHub.AllowedOrganizations = nil
			x.staging.Auth.AllowedUsers = []string{"alice"}
		}, []string{}},
		{"github open on purpose", func(x fx) {
			x.staging.Auth.GitHub.AllowedOrganizations = nil
			x.staging.Auth.AllowAllUsers = true
		}, []string{}},
		{"github organizations and users", func(x fx) { x.staging.Auth.AllowedUsers = []string{"mallory"} }, []string{
			`hubs/aws/staging.yaml:5:1: warning: auth.allowedUsers: allowedUsers together with github.allowedOrganizations admits the listed users even outside the organizations`,
		}},
		{"block of another type", func(x fx) { x.staging.Auth.Google = &model.GoogleAuth{AllowedDomains: []string{"example.org"}} }, []string{
			`hubs/aws/staging.yaml:5:1: auth.google: auth.google is set but auth.type is "github"`,
		}},
		{"missing block of the type", func(x fx) { x.staging.Auth.GitHub = nil }, []string{
			`hubs/aws/staging.yaml:9:3: auth.github: auth type github needs an auth.github block`,
		}},
		{"missing client credentials", func(x fx) {
			x.staging.Auth.ClientID = ""
			x.staging.Auth.ClientSecret = nil
		}, []string{
			`hubs/aws/staging.yaml:7:3: auth.clientId: auth type github needs clientId (the OAuth application's client id)`,
			`hubs/aws/staging.yaml:8:3: auth.clientSecret: auth type github needs clientSecret`,
		}},
		{"empty secret key", func(x fx) { x.staging.Auth.ClientSecret.SecretRef.Key = " " }, []string{
			`hubs/aws/staging.yaml:8:30: auth.clientSecret.secretRef.key: the secret reference has an empty key`,
		}},
		{"cilogon idp without domains", func(x fx) {
			idps := x.prod.Auth.CILogon.AllowedIdps
			idp := idps["https://github.com/login/oauth/authorize"]
			idp.AllowedDomains = nil
			idps["https://github.com/login/oauth/authorize"] = idp
		}, []string{
			`hubs/gcp/prod.yaml:10:87: auth.cilogon.allowedIdps."https://github.com/login/oauth/authorize".allowedDomains: identity provider "https://github.com/login/oauth/authorize" has no allowedDomains: any of its users could log in`,
		}},
		{"cilogon idp without domains but users", func(x fx) {
			x.prod.Auth.CILogon.AllowedIdps["https://orcid.org"] = model.CILogonIdp{UsernameClaim: "oidc"}
			x.prod.Auth.AllowedUsers = []string{"0000-0002-1825-0097"}
		}, []string{}},
		{"cilogon without idps", func(x fx) { x.prod.Auth.CILogon.AllowedIdps = nil }, []string{
			`hubs/gcp/prod.yaml:9:5: auth.cilogon.allowedIdps: auth type cilogon needs at least one allowed identity provider`,
		}},
		{"google without domains", func(x fx) { x.edu.Auth.Google.AllowedDomains = nil }, []string{
			`hubs/azure/edu.yaml:8:12: auth.google.allowedDomains: the hub would admit any Google account: set allowedDomains or auth.allowedUsers`,
		}},
		{"generic oauth groups without claim", func(x fx) {
			x.edu.Auth.Type = model.AuthGenericOAuth
			x.edu.Auth.Google = nil
			x.edu.Auth.GenericOAuth = &model.GenericOAuth{AuthorizeURL: "https://idp/auth", AllowedGroups: []string{"staff"}}
		}, []string{
			`hubs/azure/edu.yaml:4:1: auth."generic-oauth".groupsClaim: allowedGroups needs groupsClaim, the userinfo claim that lists a user's groups`,
		}},
		{"generic oauth open", func(x fx) {
			x.edu.Auth.Type = model.AuthGenericOAuth
			x.edu.Auth.Google = nil
			x.edu.Auth.GenericOAuth = &model.GenericOAuth{AuthorizeURL: "https://idp/auth"}
		}, []string{
			`hubs/azure/edu.yaml:4:1: auth."generic-oauth".allowedGroups: the hub would admit anyone the provider authenticates: set allowedGroups or auth.allowedUsers`,
		}},
		{"shared password with admins and client id", func(x fx) {
			x.workshop.Auth.Admins = []string{"bob"}
			x.workshop.Auth.ClientID = "abc"
		}, []string{
			`hubs/aws/workshop.yaml:4:1: auth.admins: admins on a shared-password hub: anyone who knows the password can log in as "bob"`,
			`hubs/aws/workshop.yaml:4:1: auth.clientId: clientId is not used with auth type shared-password`,
		}},
		{"shared password missing", func(x fx) { x.workshop.Auth.SharedPassword = nil }, []string{
			`hubs/aws/workshop.yaml:6:3: auth.sharedPassword: auth type shared-password needs sharedPassword`,
		}},
		{"inherited value points into the fleet file", func(x fx) {
			x.staging.Auth.GitHub.AllowedOrganizations = nil
			delete(x.staging.Src.Positions, "auth.github.allowedOrganizations")
			x.staging.Src.Positions["auth.github"] = model.Pos{File: "hubs/fleet.yaml", Line: 9, Col: 5}
		}, []string{
			`hubs/fleet.yaml:9:5: auth.github.allowedOrganizations: the hub would admit any GitHub user: set allowedOrganizations or auth.allowedUsers`,
		}},
	})
}

func TestSecretLiteralRules(t *testing.T) {
	runCases(t, []ruleCase{
		{"environment secrets", func(x fx) {
			x.staging.Environment["GITHUB_TOKEN"] = "ghp_0123456789"
			x.staging.Environment["TOKENIZERS_PARALLELISM"] = "false"
			x.staging.Environment["DB_PASSWORD"] = "$(DB_PASSWORD_FROM_SECRET)"
			x.staging.Environment["OAUTH_TOKEN_URL"] = "https://idp.example.org/token"
			x.staging.Profiles[1].Environment = map[string]string{"PGPASSWORD": "hunter2"}
		}, []string{
			`hubs/aws/staging.yaml:14:1: environment.GITHUB_TOKEN: GITHUB_TOKEN looks like a secret written in plain text; hub files are committed to git`,
			`hubs/aws/staging.yaml:29:5: profiles[1].environment.PGPASSWORD: PGPASSWORD looks like a secret written in plain text; hub files are committed to git`,
		}},
	})
}

func TestLooksSecret(t *testing.T) {
	tests := map[[2]string]bool{
		{"GITHUB_TOKEN", "ghp_x"}:                true,
		{"AWS_SECRET_ACCESS_KEY", "abc"}:         true,
		{"client_secret", "abc"}:                 true,
		{"PGPASSWORD", "abc"}:                    true,
		{"SMTP_PASSWD", "abc"}:                   true,
		{"TOKENIZERS_PARALLELISM", "false"}:      false,
		{"SECRETS_MANAGER_REGION", "us-west-2"}:  false,
		{"GITHUB_TOKEN", ""}:                     false,
		{"GITHUB_TOKEN", "$(GH_TOKEN)"}:          false,
		{"TOKEN_PATH", "/var/run/secrets/token"}: false,
		{"JUPYTERHUB_TOKEN_URL", "https://x"}:    false,
		{"API_TOKEN", "/etc/token"}:              false,
		{"SCRATCH_BUCKET", "s3://x"}:             false,
	}
	for in, want := range tests {
		if got := looksSecret(in[0], in[1]); got != want {
			t.Errorf("looksSecret(%q, %q) = %v, want %v", in[0], in[1], got, want)
		}
	}
}

func TestProfileRules(t *testing.T) {
	runCases(t, []ruleCase{
		{"two defaults", func(x fx) { x.staging.Profiles[1].Default = true }, []string{
			`hubs/aws/staging.yaml:19:5: profiles[0].default: 2 profiles are marked default ("small", "gpu"); exactly one must be`,
			`hubs/aws/staging.yaml:29:5: profiles[1].default: 2 profiles are marked default ("small", "gpu"); exactly one must be`,
		}},
		{"no default", func(x fx) { x.staging.Profiles[0].Default = false }, []string{
			`hubs/aws/staging.yaml:16:1: profiles: no profile is marked default: true; exactly one must be`,
		}},
		{"duplicate slug", func(x fx) { x.staging.Profiles[1].Slug = "small" }, []string{
			`hubs/aws/staging.yaml:17:5: profiles[0].slug: profile slug "small" is also used by profiles[1] at hubs/aws/staging.yaml:29:5`,
			`hubs/aws/staging.yaml:29:5: profiles[1].slug: profile slug "small" is also used by profiles[0] at hubs/aws/staging.yaml:17:5`,
		}},
		{"cpu guarantee above limit", func(x fx) { x.staging.Profiles[0].CPU.Guarantee = 3 }, []string{
			`hubs/aws/staging.yaml:21:11: profiles[0].cpu.guarantee: cpu guarantee 3 is more than the cpu limit 2`,
		}},
		{"memory guarantee above limit", func(x fx) { x.staging.Profiles[0].Memory.Guarantee = "10G" }, []string{
			`hubs/aws/staging.yaml:22:14: profiles[0].memory.guarantee: memory guarantee 10G is more than the memory limit 8G`,
		}},
		{"memory not a quantity", func(x fx) { x.staging.Profiles[0].Memory.Limit = "8 gigs" }, []string{
			`hubs/aws/staging.yaml:22:29: profiles[0].memory.limit: "8 gigs" is not a Kubernetes quantity (e.g. 4G, 512Mi)`,
		}},
		{"memory fits no machine", func(x fx) { x.staging.Profiles[0].Memory = model.Memory{Guarantee: "100G", Limit: "100G"} }, []string{
			`hubs/aws/staging.yaml:22:14: profiles[0].memory.guarantee: profile "small" requests 0.5 CPU and 100G memory, more than any machine of node pool "user" can allocate`,
		}},
		{"cpu fits no machine", func(x fx) { x.staging.Profiles[0].CPU = model.CPU{Guarantee: 16, Limit: 16} }, []string{
			`hubs/aws/staging.yaml:21:11: profiles[0].cpu.guarantee: profile "small" requests 16 CPU and 4G memory, more than any machine of node pool "user" can allocate`,
		}},
		{"limit is the request without guarantee", func(x fx) { x.staging.Profiles[0].Memory = model.Memory{Limit: "100G"} }, []string{
			`hubs/aws/staging.yaml:22:29: profiles[0].memory.limit: profile "small" requests 0.5 CPU and 100G memory, more than any machine of node pool "user" can allocate`,
		}},
		{"no machine has both", func(x fx) {
			x.aws.NodePools[1].InstanceTypes = []string{"c5.9xlarge", "r5.4xlarge"}
			x.staging.Profiles[0].CPU = model.CPU{Guarantee: 20, Limit: 20}
			x.staging.Profiles[0].Memory = model.Memory{Guarantee: "100G", Limit: "100G"}
		}, []string{
			`hubs/aws/staging.yaml:22:14: profiles[0].memory.guarantee: profile "small" requests 20 CPU and 100G memory, which no single machine of node pool "user" can allocate together`,
		}},
		{"unknown instance type skips the fit", func(x fx) {
			x.aws.NodePools[1].InstanceTypes[1] = "r5.mega"
			x.staging.Profiles[0].Memory = model.Memory{Guarantee: "100G", Limit: "100G"}
		}, []string{
			`hubs/aws/cluster.yaml:20:32: warning: nodePools[1].instanceTypes[1]: instance type "r5.mega" is not in hubfleet's aws catalog; its size and architecture are not checked`,
		}},
		{"option choice fits no machine", func(x fx) {
			ch := x.staging.Profiles[0].Options["size"].Choices["medium"]
			ch.Memory = &model.Memory{Guarantee: "200G", Limit: "200G"}
			x.staging.Profiles[0].Options["size"].Choices["medium"] = ch
		}, []string{
			`hubs/aws/staging.yaml:27:81: profiles[0].options.size.choices.medium.memory.guarantee: profile "small" with size "medium" requests 2 CPU and 200G memory, more than any machine of node pool "user" can allocate`,
		}},
		{"option choice guarantee above limit", func(x fx) {
			ch := x.staging.Profiles[0].Options["size"].Choices["medium"]
			ch.CPU = &model.CPU{Guarantee: 6, Limit: 4}
			x.staging.Profiles[0].Options["size"].Choices["medium"] = ch
		}, []string{
			`hubs/aws/staging.yaml:27:47: profiles[0].options.size.choices.medium.cpu.guarantee: cpu guarantee 6 is more than the cpu limit 4`,
		}},
		{"option choice inherits a profile problem once", func(x fx) { x.staging.Profiles[0].Memory.Guarantee = "20G" }, []string{
			`hubs/aws/staging.yaml:22:14: profiles[0].memory.guarantee: memory guarantee 20G is more than the memory limit 8G`,
		}},
		{"two default choices", func(x fx) {
			ch := x.staging.Profiles[0].Options["size"].Choices["medium"]
			ch.Default = true
			x.staging.Profiles[0].Options["size"].Choices["medium"] = ch
		}, []string{
			`hubs/aws/staging.yaml:26:9: profiles[0].options.size.choices: 2 choices of option "size" are marked default ("medium", "small"); at most one may be`,
		}},
	})
}

func TestNodePoolReferenceRules(t *testing.T) {
	runCases(t, []ruleCase{
		{"missing pool", func(x fx) { x.staging.Profiles[0].NodePool = "nope" }, []string{
			`hubs/aws/staging.yaml:20:5: profiles[0].nodePool: node pool "nope" does not exist in cluster aws or in hub staging`,
		}},
		{"another hub's pool", func(x fx) { x.staging.Profiles[0].NodePool = "big" }, []string{
			`hubs/aws/staging.yaml:20:5: profiles[0].nodePool: node pool "big" does not exist in cluster aws or in hub staging`,
		}},
		{"own hub pool", func(x fx) { x.workshop.Profiles[0].NodePool = "big" }, []string{}},
		{"profile on a worker pool", func(x fx) { x.staging.Profiles[0].NodePool = "dask" }, []string{
			`hubs/aws/staging.yaml:20:5: profiles[0].nodePool: node pool "dask" has purpose dask-worker, but profiles need a pool with purpose user`,
		}},
		{"workers on a user pool", func(x fx) { x.staging.Dask.WorkerNodePool = "user" }, []string{
			`hubs/aws/staging.yaml:40:3: dask.workerNodePool: node pool "user" has purpose user, but dask workers need a pool with purpose dask-worker`,
		}},
		{"dask without worker pool", func(x fx) { x.staging.Dask.WorkerNodePool = "" }, []string{
			`hubs/aws/staging.yaml:40:3: dask.workerNodePool: dask is enabled but names no workerNodePool`,
		}},
		{"scheduler on a worker pool", func(x fx) { x.staging.Dask.SchedulerNodePool = "dask" }, []string{
			`hubs/aws/staging.yaml:38:1: dask.schedulerNodePool: node pool "dask" has purpose dask-worker, but dask schedulers need a pool with purpose user`,
		}},
		{"scheduler pool missing", func(x fx) { x.staging.Dask.SchedulerNodePool = "nope" }, []string{
			`hubs/aws/staging.yaml:38:1: dask.schedulerNodePool: node pool "nope" does not exist in cluster aws or in hub staging`,
		}},
		{"dask disabled is not checked", func(x fx) {
			x.staging.Dask.Enabled = false
			x.staging.Dask.WorkerNodePool = "nope"
		}, []string{}},
	})
}

func TestGPURules(t *testing.T) {
	runCases(t, []ruleCase{
		{"gpu profile on plain pool", func(x fx) { x.staging.Profiles[1].NodePool = "user" }, []string{
			`hubs/aws/staging.yaml:32:5: profiles[1].gpus: profile "gpu" requests 1 GPU(s), but node pool "user" has no GPUs`,
		}},
		{"plain profile on gpu pool", func(x fx) { x.staging.Profiles[0].NodePool = "gpu-t4" }, []string{
			`hubs/aws/staging.yaml:20:5: profiles[0].nodePool: node pool "gpu-t4" is a GPU pool, but profile "small" requests no GPUs`,
		}},
		{"more gpus than the pool", func(x fx) { x.staging.Profiles[1].GPUs = 2 }, []string{
			`hubs/aws/staging.yaml:32:5: profiles[1].gpus: profile "gpu" requests 2 GPUs, but nodes of pool "gpu-t4" have 1`,
		}},
		{"gpu pool on plain instance", func(x fx) { x.aws.NodePools[3].InstanceTypes = []string{"m5.xlarge"} }, []string{
			`hubs/aws/cluster.yaml:34:21: nodePools[3].instanceTypes[0]: m5.xlarge has no GPU, but the pool sets gpu`,
		}},
		{"gpu count above the machine", func(x fx) { x.aws.NodePools[3].GPU.Count = 4 }, []string{
			`hubs/aws/cluster.yaml:38:34: nodePools[3].gpu.count: gpu.count 4 is more than the 1 GPU(s) of g4dn.xlarge`,
		}},
		{"gpu count and type missing", func(x fx) { x.aws.NodePools[3].GPU = &model.GPU{} }, []string{
			`hubs/aws/cluster.yaml:38:11: nodePools[3].gpu.type: gpu.type is empty`,
			`hubs/aws/cluster.yaml:38:34: nodePools[3].gpu.count: gpu.count must be at least 1, not 0`,
		}},
		{"gpu type differs from the machine", func(x fx) { x.aws.NodePools[3].GPU.Type = "nvidia-a10g" }, []string{
			`hubs/aws/cluster.yaml:38:11: warning: nodePools[3].gpu.type: gpu.type "nvidia-a10g" does not match the nvidia-tesla-t4 GPU of g4dn.xlarge`,
		}},
		{"gpu machine in a plain pool", func(x fx) { x.aws.NodePools[1].InstanceTypes[1] = "g4dn.2xlarge" }, []string{
			`hubs/aws/cluster.yaml:20:32: warning: nodePools[1].instanceTypes[1]: g4dn.2xlarge has 1 nvidia-tesla-t4 GPU(s), but the pool sets no gpu: GPU profiles cannot use it and ordinary pods may occupy it`,
		}},
		{"gke accelerator name", func(x fx) { x.gcp.NodePools[2].GPU.Type = "tesla-t4" }, []string{
			`hubs/gcp/cluster.yaml:28:11: nodePools[2].gpu.type: gpu.type "tesla-t4" is not a GKE accelerator type`,
		}},
		{"gke machine cannot attach", func(x fx) { x.gcp.NodePools[2].InstanceTypes = []string{"n2-standard-8"} }, []string{
			`hubs/gcp/cluster.yaml:24:21: nodePools[2].instanceTypes[0]: machine type n2-standard-8 cannot attach GPUs`,
		}},
		{"gke built-in gpu differs", func(x fx) { x.gcp.NodePools[2].InstanceTypes = []string{"g2-standard-8"} }, []string{
			`hubs/gcp/cluster.yaml:28:11: nodePools[2].gpu.type: g2-standard-8 comes with nvidia-l4 GPUs, not nvidia-tesla-t4`,
		}},
		{"gke built-in gpu matches", func(x fx) {
			x.gcp.NodePools[2].InstanceTypes = []string{"g2-standard-8"}
			x.gcp.NodePools[2].GPU.Type = "nvidia-l4"
		}, []string{}},
	})
}

func TestDaskRules(t *testing.T) {
	runCases(t, []ruleCase{
		{"worker larger than the machines", func(x fx) { x.staging.Dask.WorkerSizes[1].Cores = 64 }, []string{
			`hubs/aws/staging.yaml:44:21: dask.workerSizes[1].cores: dask worker size "large" requests 64 CPU and 16G memory, more than any machine of node pool "dask" can allocate`,
		}},
		{"limits below one worker", func(x fx) {
			x.staging.Dask.Limits.MaxCores = 0.5
			x.staging.Dask.Limits.MaxMemory = "2G"
		}, []string{
			`hubs/aws/staging.yaml:45:12: dask.limits.maxCores: maxCores 0.5 is less than the smallest worker size ("small", 1 cores): no worker could start`,
			`hubs/aws/staging.yaml:45:27: dask.limits.maxMemory: maxMemory 2G is less than the smallest worker size ("small", 4G): no worker could start`,
		}},
		{"written zero workers", func(x fx) { x.staging.Dask.Limits.MaxWorkers = 0 }, []string{
			`hubs/aws/staging.yaml:45:45: dask.limits.maxWorkers: maxWorkers 0 allows no worker at all`,
		}},
		{"unwritten zero is no limit", func(x fx) {
			x.staging.Dask.Limits = model.DaskLimits{}
			for _, p := range []string{"dask.limits", "dask.limits.maxCores", "dask.limits.maxMemory", "dask.limits.maxWorkers"} {
				delete(x.staging.Src.Positions, p)
			}
		}, []string{}},
		{"duplicate worker size", func(x fx) { x.staging.Dask.WorkerSizes[1].Name = "small" }, []string{
			`hubs/aws/staging.yaml:43:8: dask.workerSizes[0].name: worker size "small" is also used by dask.workerSizes[1] at hubs/aws/staging.yaml:44:8`,
			`hubs/aws/staging.yaml:44:8: dask.workerSizes[1].name: worker size "small" is also used by dask.workerSizes[0] at hubs/aws/staging.yaml:43:8`,
		}},
		{"scheduler larger than its pool", func(x fx) { x.staging.Dask.Scheduler.Memory = "100G" }, []string{
			`hubs/aws/staging.yaml:41:25: dask.scheduler.memory: the dask scheduler requests 1 CPU and 100G memory, more than any machine of node pool "user" can allocate`,
		}},
	})
}

func TestNodePoolRules(t *testing.T) {
	many := map[string]string{}
	for i := 0; i < 100; i++ {
		many["example.org/l"+strings.Repeat("x", i%10)+string(rune('a'+i/10))] = "v"
	}
	runCases(t, []ruleCase{
		{"min above max", func(x fx) { x.aws.NodePools[1].Min = 200 }, []string{
			`hubs/aws/cluster.yaml:18:5: nodePools[1].min: min 200 is more than max 100`,
		}},
		{"max zero", func(x fx) { x.aws.NodePools[2].Max = 0 }, []string{
			`hubs/aws/cluster.yaml:27:5: nodePools[2].max: max 0 allows no node; it must be at least 1`,
		}},
		{"negative min", func(x fx) { x.gcp.NodePools[1].Min = -1 }, []string{
			`hubs/gcp/cluster.yaml:16:5: nodePools[1].min: min -1 is negative`,
		}},
		{"core pool without nodes", func(x fx) { x.gcp.NodePools[0].Min = 0 }, []string{
			`hubs/gcp/cluster.yaml:12:5: nodePools[0].min: a core pool needs min of at least 1: the hub and proxy must always have a node`,
		}},
		{"karpenter minimum", func(x fx) { x.aws.NodePools[1].Min = 2 }, []string{
			`hubs/aws/cluster.yaml:18:5: warning: nodePools[1].min: Karpenter has no minimum node count: min 2 is ignored`,
		}},
		{"config connector takes one type", func(x fx) { x.gcp.NodePools[1].InstanceTypes = []string{"n2-highmem-4", "n2-highmem-8"} }, []string{
			`hubs/gcp/cluster.yaml:18:5: nodePools[1].instanceTypes: config-connector pools take exactly one instance type, this pool lists 2`,
		}},
		{"aso takes one type", func(x fx) {
			x.azure.NodePools[1].InstanceTypes = append(x.azure.NodePools[1].InstanceTypes, "Standard_E8s_v5")
		}, []string{
			`hubs/azure/cluster.yaml:18:5: nodePools[1].instanceTypes: aso pools take exactly one instance type, this pool lists 2`,
		}},
		{"arch mismatch", func(x fx) { x.aws.NodePools[2].Arch = "arm64" }, []string{
			`hubs/aws/cluster.yaml:26:21: nodePools[2].instanceTypes[0]: instance type r5.4xlarge is amd64, but the pool's arch is arm64`,
			`hubs/aws/cluster.yaml:26:33: nodePools[2].instanceTypes[1]: instance type r6i.4xlarge is amd64, but the pool's arch is arm64`,
		}},
		{"instance type twice", func(x fx) { x.aws.NodePools[2].InstanceTypes[1] = "r5.4xlarge" }, []string{
			`hubs/aws/cluster.yaml:26:33: nodePools[2].instanceTypes[1]: instance type "r5.4xlarge" is already listed at nodePools[2].instanceTypes[0]`,
		}},
		{"composed name too long", func(x fx) { x.workshop.NodePools[0].Name = strings.Repeat("a", 60) }, []string{
			`hubs/aws/workshop.yaml:18:5: nodePools[0].name: the pool's object name "workshop-` + strings.Repeat("a", 60) + `" is 69 characters; at most 63 are allowed`,
		}},
		{"bad generation", func(x fx) { x.aws.NodePools[1].Generation = "Blue_Green" }, []string{
			`hubs/aws/cluster.yaml:18:5: nodePools[1].generation: generation "Blue_Green" must be a short DNS label: at most 8 lower-case letters, digits and '-'`,
		}},
		{"reserved name on aws", func(x fx) { x.aws.NodePools[0].Name = "system" }, []string{
			`hubs/aws/cluster.yaml:11:5: nodePools[0].name: node pool name "system" is reserved for the provider's own pool`,
		}},
		{"reserved name on azure karpenter", func(x fx) {
			x.azure.NodeProvisioner = model.ProvisionerKarpenter
			x.azure.NodePools[0].Name = "default"
		}, []string{
			`hubs/azure/cluster.yaml:9:5: nodePools[0].name: node pool name "default" is reserved for the provider's own pool`,
		}},
		{"default is fine on aso", func(x fx) { x.azure.NodePools[0].Name = "default" }, []string{}},
		{"reserved label prefixes", func(x fx) {
			l := x.aws.NodePools[2].Labels
			l["karpenter.sh/capacity"] = "x"
			l["hub.jupyter.org/node-purpose"] = "user"
			l["node.kubernetes.io/role"] = "dask"
			l["topology.kubernetes.io/zone"] = "us-west-2a"
		}, []string{
			`hubs/aws/cluster.yaml:30:5: nodePools[2].labels."hub.jupyter.org/node-purpose": labels under hub.jupyter.org/ are set by hubfleet itself`,
			`hubs/aws/cluster.yaml:30:5: nodePools[2].labels."karpenter.sh/capacity": labels under karpenter.sh/ are reserved for Kubernetes and the cloud provider`,
			`hubs/aws/cluster.yaml:30:5: nodePools[2].labels."topology.kubernetes.io/zone": labels under kubernetes.io/ are reserved for Kubernetes and the cloud provider`,
		}},
		{"too many karpenter labels", func(x fx) {
			for k, v := range many {
				x.aws.NodePools[2].Labels[k] = v
			}
		}, []string{
			`hubs/aws/cluster.yaml:30:5: nodePools[2].labels: the pool's Karpenter NodePool would have 106 labels and requirements; Karpenter allows 100`,
		}},
		{"duplicate taints", func(x fx) {
			x.aws.NodePools[1].Taints = []model.Taint{
				{Key: "hub.jupyter.org/dedicated", Value: "user", Effect: "NoSchedule"},
				{Key: "example.org/x", Effect: "NoSchedule"},
				{Key: "example.org/x", Value: "y", Effect: "NoSchedule"},
				{Key: "example.org/x", Value: "y", Effect: "NoExecute"},
			}
		}, []string{
			`hubs/aws/cluster.yaml:18:5: nodePools[1].taints[0]: taint hub.jupyter.org/dedicated:NoSchedule duplicates the taint hubfleet puts on this pool`,
			`hubs/aws/cluster.yaml:18:5: nodePools[1].taints[2]: taint example.org/x:NoSchedule duplicates taints[1]`,
		}},
		{"gke purpose taint spelling", func(x fx) {
			x.gcp.NodePools[1].Taints = []model.Taint{
				{Key: "hub.jupyter.org/dedicated", Value: "user", Effect: "NoSchedule"},
				{Key: "hub.jupyter.org_dedicated", Value: "user", Effect: "NoSchedule"},
			}
		}, []string{
			`hubs/gcp/cluster.yaml:16:5: nodePools[1].taints[1]: taint hub.jupyter.org_dedicated:NoSchedule duplicates the taint hubfleet puts on this pool`,
		}},
		{"gpu taint collision", func(x fx) {
			x.aws.NodePools[3].Taints = []model.Taint{{Key: "nvidia.com/gpu", Value: "present", Effect: "NoSchedule"}}
		}, []string{
			`hubs/aws/cluster.yaml:32:5: nodePools[3].taints[0]: taint nvidia.com/gpu:NoSchedule duplicates the taint hubfleet puts on this pool`,
		}},
		{"spot user pool", func(x fx) { x.aws.NodePools[1].CapacityType = model.CapacitySpot }, []string{
			`hubs/aws/cluster.yaml:22:5: warning: nodePools[1].capacityType: spot nodes can be reclaimed at any time, taking user servers with them`,
		}},
		{"pool names collide after merging hub pools", func(x fx) {
			x.aws.NodePools[3].Name = "workshop-big"
			x.staging.Profiles[1].NodePool = "workshop-big"
		}, []string{
			`hubs/aws/cluster.yaml:32:5: nodePools[3].name: node pool name "workshop-big" is also used by node pool "big" (hub workshop) at hubs/aws/workshop.yaml:18:5`,
			`hubs/aws/workshop.yaml:18:5: nodePools[0].name: node pool name "workshop-big" is also used by node pool "workshop-big" at hubs/aws/cluster.yaml:32:5`,
		}},
	})
}

func TestInvalidLabel(t *testing.T) {
	x := newFx(t)
	x.aws.NodePools[2].Labels["bad key!"] = "x"
	x.aws.NodePools[2].Labels["example.org/ok"] = strings.Repeat("v", 64)
	got := lines(Check(x.f))
	if len(got) != 2 ||
		!strings.HasPrefix(got[0], `hubs/aws/cluster.yaml:30:5: nodePools[2].labels."bad key!": label key "bad key!" is invalid: `) ||
		!strings.HasPrefix(got[1], `hubs/aws/cluster.yaml:30:5: nodePools[2].labels."example.org/ok": label value "vvvv`) {
		t.Errorf("got %q", got)
	}
}

// TestAzureNameCollision finds two pool names whose derived AKS names
// collide (same purpose, same 5-letter stem, same 24-bit hash) and checks
// that ASO clusters report them.
func TestAzureNameCollision(t *testing.T) {
	seen := map[string]string{}
	var a, b string
	for i := 0; a == ""; i++ {
		n := "userpool-" + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + strconv.Itoa(i)
		p := model.NodePool{Name: n, Purpose: model.PurposeUser}
		if prev, ok := seen[p.AzureName()]; ok {
			a, b = prev, n
		}
		seen[p.AzureName()] = n
	}
	x := newFx(t)
	x.azure.NodePools[1].Name = a
	x.azure.NodePools = append(x.azure.NodePools, x.azure.NodePools[1])
	x.azure.NodePools[3].Name, x.azure.NodePools[3].Path = b, "nodePools[3]"
	x.edu.Profiles[0].NodePool = a
	an := (&model.NodePool{Name: a, Purpose: model.PurposeUser}).AzureName()
	want := []string{
		`hubs/azure/cluster.yaml:8:1: nodePools[3].name: AKS agent-pool name "` + an + `" derived from this pool collides with node pool "` + a + `" at hubs/azure/cluster.yaml:16:5`,
		`hubs/azure/cluster.yaml:16:5: nodePools[1].name: AKS agent-pool name "` + an + `" derived from this pool collides with node pool "` + b + `" at hubs/azure/cluster.yaml:8:1`,
	}
	if diff := cmp.Diff(want, lines(Check(x.f))); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
}

func TestUniquenessRules(t *testing.T) {
	runCases(t, []ruleCase{
		{"duplicate domain", func(x fx) { x.prod.Domain = "Staging.pangeo.example.org" }, []string{
			`hubs/aws/staging.yaml:3:1: domain: domain "staging.pangeo.example.org" is also used by hub gcp/prod at hubs/gcp/prod.yaml:3:1`,
			`hubs/gcp/prod.yaml:3:1: domain: domain "staging.pangeo.example.org" is also used by hub aws/staging at hubs/aws/staging.yaml:3:1`,
		}},
		{"duplicate namespace", func(x fx) { x.workshop.Namespace = "staging" }, []string{
			`hubs/aws/staging.yaml:4:1: namespace: namespace "staging" is also used by hub aws/workshop at hubs/aws/workshop.yaml:1:1`,
			`hubs/aws/workshop.yaml:1:1: namespace: namespace "staging" is also used by hub aws/staging at hubs/aws/staging.yaml:4:1`,
		}},
		{"namespace equal to another hub's name", func(x fx) { x.staging.Namespace = "workshop" }, []string{
			`hubs/aws/staging.yaml:4:1: namespace: namespace "workshop" is also used by hub aws/workshop at hubs/aws/workshop.yaml:1:1`,
			`hubs/aws/workshop.yaml:1:1: name: namespace "workshop" is also used by hub aws/staging at hubs/aws/staging.yaml:4:1`,
		}},
		{"same namespace in two clusters", func(x fx) { x.prod.Namespace = "staging" }, []string{}},
		{"reserved namespace", func(x fx) { x.staging.Namespace = "argocd" }, []string{
			`hubs/aws/staging.yaml:4:1: namespace: namespace "argocd" is reserved for the cluster's own components`,
		}},
	})
}

func TestClusterRules(t *testing.T) {
	runCases(t, []ruleCase{
		{"no core pool", func(x fx) { x.gcp.NodePools[0].Purpose = model.PurposeUser }, []string{
			`hubs/gcp/cluster.yaml:8:1: nodePools: the cluster has no node pool with purpose core`,
		}},
		{"hubs without user pool", func(x fx) { x.azure.NodePools[1].Purpose = model.PurposeDaskWorker }, []string{
			`hubs/azure/cluster.yaml:8:1: nodePools: the cluster has hubs but no node pool with purpose user`,
			`hubs/azure/edu.yaml:14:5: profiles[0].nodePool: node pool "user" has purpose dask-worker, but profiles need a pool with purpose user`,
		}},
		{"aws karpenter without node class", func(x fx) {
			x.aws.NodeClass.AWS = nil
			delete(x.aws.Src.Positions, "nodeClass.aws")
		}, []string{
			`hubs/aws/cluster.yaml:8:1: nodeClass.aws: Karpenter on AWS needs nodeClass.aws (node role, AMI alias, discovery tag) for its EC2NodeClass`,
		}},
		{"no secret store", func(x fx) {
			x.aws.SecretStore = model.SecretStore{}
			for _, p := range []string{"secretStore", "secretStore.kind", "secretStore.name"} {
				delete(x.aws.Src.Positions, p)
			}
		}, []string{
			`hubs/aws/cluster.yaml:1:1: secretStore: hubs "staging", "workshop" read secrets by reference, but the cluster names no secretStore`,
		}},
		{"provisioner not on provider", func(x fx) { x.gcp.NodeProvisioner = model.ProvisionerKarpenter }, []string{
			`hubs/gcp/cluster.yaml:4:1: nodeProvisioner: node provisioner "karpenter" is not available on gcp`,
		}},
		{"unsupported versions", func(x fx) {
			x.f.Versions.JupyterHub = "3.0.0"
			x.f.Versions.DaskGateway = "2023.1.0"
		}, []string{
			`hubs/fleet.yaml:4:3: versions.jupyterhub: jupyterhub version "3.0.0" is not supported by this hubfleet`,
			`hubs/fleet.yaml:5:3: versions.daskGateway: dask-gateway version "2023.1.0" is not supported by this hubfleet`,
		}},
	})
}

func TestPlaceholderAndPatchRules(t *testing.T) {
	runCases(t, []ruleCase{
		{"placeholders beyond the pool", func(x fx) { x.staging.Placeholders.Replicas = 10000 }, []string{
			`hubs/aws/staging.yaml:48:16: placeholders.replicas: 10000 placeholders do not fit node pool "user": at most 100 nodes with 15 placeholder(s) each`,
		}},
		{"placeholders that fit", func(x fx) { x.staging.Placeholders.Replicas = 1500 }, []string{}},
		{"empty patch", func(x fx) { x.staging.Patches[0].Patch = "  \n" }, []string{
			`hubs/aws/staging.yaml:51:5: patches[0].patch: the patch is empty`,
		}},
		{"patch target selecting everything", func(x fx) { x.staging.Patches[0].Target = &model.PatchTarget{Namespace: "staging"} }, []string{
			`hubs/aws/staging.yaml:50:5: patches[0].target: the patch target selects every object of the hub`,
		}},
		{"patch target by label", func(x fx) { x.staging.Patches[0].Target = &model.PatchTarget{LabelSelector: "component=hub"} }, []string{}},
	})
}

func TestStorageAndIdentityRules(t *testing.T) {
	runCases(t, []ruleCase{
		{"shared directory without NFS", func(x fx) { x.staging.Storage.Shared.Enabled = true }, []string{
			`hubs/aws/staging.yaml:35:1: storage.shared.enabled: the shared directory needs NFS homes (storage.home.type is "dynamic")`,
		}},
		{"shared directory with NFS", func(x fx) {
			x.staging.Storage.Shared.Enabled = true
			x.staging.Storage.Home = model.Home{Type: model.HomeNFS, Server: "fs-1.efs.us-west-2.amazonaws.com", Path: "/homes/staging"}
		}, []string{}},
		{"NFS without a server", func(x fx) { x.staging.Storage.Home = model.Home{Type: model.HomeNFS, Path: "/homes"} }, []string{
			`hubs/aws/staging.yaml:36:3: storage.home: NFS homes need a server`,
		}},
		{"workload identity name too long", func(x fx) {
			x.prod.CloudIdentity = true
			x.prod.Name = "a-very-long-hub-name-for-gcp"
		}, []string{
			`hubs/gcp/prod.yaml:1:1: cloudIdentity: the Workload Identity service account "gcp-a-very-long-hub-name-for-gcp" is 32 characters; GCP allows at most 30`,
		}},
	})
}
