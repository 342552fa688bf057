package jupyterhub

import (
	"github.com/hubfleet/hubfleet/compiler/model"
)

// Test hubs. Each covers a different corner: see testHubs.

func testFleet() *model.Fleet {
	return &model.Fleet{Versions: model.Versions{JupyterHub: "4.4.0", DaskGateway: "2026.3.0"}}
}

func awsCluster() *model.Cluster {
	return &model.Cluster{
		Name: "pangeo-aws", Provider: model.ProviderAWS, NodeProvisioner: model.ProvisionerKarpenter,
		AWS:         &model.AWS{Account: "123456789012", Region: "us-west-2", ClusterName: "pangeo"},
		Ingress:     model.Ingress{ClassName: "nginx", ClusterIssuer: "letsencrypt-prod"},
		SecretStore: model.SecretStore{Kind: "ClusterSecretStore", Name: "aws-secrets-manager"},
		NodePools: []model.NodePool{
			{Name: "core", Purpose: model.PurposeCore, InstanceTypes: []string{"r5.large"}, Min: 1, Max: 3},
			{Name: "user-r5-xlarge", Purpose: model.PurposeUser, InstanceTypes: []string{"r5.xlarge"}, Max: 100},
			{Name: "dask", Purpose: model.PurposeDaskWorker, InstanceTypes: []string{"r5.4xlarge"}, CapacityType: model.CapacitySpot, Max: 200},
			{Name: "gpu-t4", Purpose: model.PurposeUser, InstanceTypes: []string{"g4dn.xlarge"}, GPU: &model.GPU{Type: "nvidia-tesla-t4", Count: 1}, Max: 10},
		},
	}
}

func gcpCluster() *model.Cluster {
	return &model.Cluster{
		Name: "pangeo-gcp", Provider: model.ProviderGCP, NodeProvisioner: model.ProvisionerConfigConnector,
		GCP:         &model.GCP{Project: "pangeo-hubs", Location: "us-central1", ClusterName: "pangeo"},
		Ingress:     model.Ingress{ClassName: "nginx", ClusterIssuer: "letsencrypt-prod"},
		SecretStore: model.SecretStore{Kind: "ClusterSecretStore", Name: "gcp-secret-manager"},
		NodePools: []model.NodePool{
			{Name: "core", Purpose: model.PurposeCore, InstanceTypes: []string{"n2-standard-2"}, Min: 1, Max: 3},
			{Name: "user-n2", Purpose: model.PurposeUser, InstanceTypes: []string{"n2-highmem-4"}, Max: 50,
				Taints: []model.Taint{{Key: "example.org/team", Value: "research", Effect: "NoSchedule"}}},
			{Name: "gpu-t4", Purpose: model.PurposeUser, InstanceTypes: []string{"n1-standard-8"}, GPU: &model.GPU{Type: "nvidia-tesla-t4", Count: 1}, Max: 4},
		},
	}
}

func azureCluster() *model.Cluster {
	return &model.Cluster{
		Name: "pangeo-azure", Provider: model.ProviderAzure, NodeProvisioner: model.ProvisionerASO,
		Azure:       &model.Azure{SubscriptionID: "00000000-0000-0000-0000-000000000000", ResourceGroup: "pangeo", ClusterName: "pangeo", Location: "westeurope"},
		Ingress:     model.Ingress{ClassName: "nginx", ClusterIssuer: "letsencrypt-prod"},
		SecretStore: model.SecretStore{Kind: "SecretStore", Name: "azure-kv"},
		NodePools: []model.NodePool{
			{Name: "core", Purpose: model.PurposeCore, InstanceTypes: []string{"Standard_E2s_v5"}, Min: 1, Max: 3},
			{Name: "user", Purpose: model.PurposeUser, InstanceTypes: []string{"Standard_E4s_v5"}, CapacityType: model.CapacitySpot, Max: 20},
		},
	}
}

func secretRef(key, prop string) *model.SecretValue {
	return &model.SecretValue{SecretRef: model.SecretRef{Key: key, Property: prop}}
}

// githubDaskHub: GitHub orgs, dask-gateway, dynamic homes, culling, IRSA,
// user scheduler and image puller; a second, group-gated GPU profile.
func githubDaskHub() *model.Hub {
	c := awsCluster()
	h := &model.Hub{
		Name: "staging", DisplayName: "Pangeo staging", Domain: "staging.pangeo.example.org", Namespace: "staging",
		Auth: model.Auth{
			Type: model.AuthGitHub, ClientID: "0123abcd",
			ClientSecret: secretRef("pangeo-aws/staging/github", "client-secret"),
			GitHub:       &model.GitHubAuth{AllowedOrganizations: []string{"pangeo-data:hub-users"}},
			Admins:       []string{"alice", "bob"},
		},
		Image: "pangeo/pangeo-notebook:2024.11.08", DefaultURL: "/lab",
		Environment: map[string]string{"SCRATCH_BUCKET": "s3://pangeo-scratch/$(JUPYTERHUB_USER)"},
		Profiles: []model.Profile{
			{Slug: "small", DisplayName: "Small (4 GB RAM)", Description: "For most work", Default: true, NodePool: "user-r5-xlarge",
				CPU: model.CPU{Guarantee: 0.5, Limit: 2}, Memory: model.Memory{Guarantee: "4G", Limit: "8G"}},
			{Slug: "gpu", DisplayName: "GPU", NodePool: "gpu-t4", Image: "pangeo/ml-notebook:2024.11.08", GPUs: 1,
				AllowedGroups: []string{"pangeo-data:gpu-users"},
				CPU:           model.CPU{Guarantee: 2, Limit: 4}, Memory: model.Memory{Guarantee: "12Gi", Limit: "14Gi"}},
		},
		Storage:       model.Storage{Home: model.Home{Type: model.HomeDynamic, Size: "10Gi", StorageClass: "gp3"}},
		Culling:       model.Culling{Enabled: true, IdleTimeout: 3600, MaxAge: 604800, Every: 600},
		CloudIdentity: true,
		Dask: model.Dask{Enabled: true, WorkerNodePool: "dask", SchedulerNodePool: "user-r5-xlarge",
			WorkerSizes: []model.WorkerSize{{Name: "small", Cores: 1, Memory: "4G"}}, IdleTimeout: 1800},
		UserScheduler: model.UserScheduler{Enabled: true},
		ImagePuller:   model.ImagePuller{Enabled: true},
		Cluster:       c,
		Src:           model.Source{File: "hubs/pangeo-aws/staging.yaml"},
	}
	c.Hubs = []*model.Hub{h}
	return h
}

// cilogonNFSHub: CILogon, NFS homes with a shared directory, a GPU profile
// with image options and a free-form image, Workload Identity on GKE, and a
// pool with an operator taint.
func cilogonNFSHub() *model.Hub {
	c := gcpCluster()
	h := &model.Hub{
		Name: "research", Domain: "research.example.edu", Namespace: "research",
		Auth: model.Auth{
			Type: model.AuthCILogon, ClientID: "cilogon:/client_id/abc",
			ClientSecret: secretRef("research/cilogon", ""),
			CILogon: &model.CILogonAuth{AllowedIdps: map[string]model.CILogonIdp{
				"https://idp.example.edu/idp/shibboleth":   {UsernameClaim: "eppn", AllowedDomains: []string{"example.edu"}, Default: true},
				"https://github.com/login/oauth/authorize": {UsernameClaim: "preferred_username"},
			}},
			Admins:       []string{"carol@example.edu"},
			AllowedUsers: []string{"dave"},
		},
		Image: "pangeo/pangeo-notebook:2024.11.08",
		Profiles: []model.Profile{
			{Slug: "standard", DisplayName: "Standard", Default: true, NodePool: "user-n2",
				CPU: model.CPU{Guarantee: 1, Limit: 4}, Memory: model.Memory{Guarantee: "8G", Limit: "16G"},
				Environment: map[string]string{"PROFILE": "standard"}},
			{Slug: "gpu", DisplayName: "GPU", NodePool: "gpu-t4", Image: "pangeo/ml-notebook:2024.11.08", GPUs: 1,
				CPU: model.CPU{Guarantee: 4}, Memory: model.Memory{Guarantee: "24G"},
				Options: map[string]model.ProfileOption{"image": {
					DisplayName: "Image",
					Choices: map[string]model.OptionChoice{
						"pangeo":  {DisplayName: "Pangeo ML", Image: "pangeo/ml-notebook:2024.11.08", Default: true},
						"pytorch": {DisplayName: "PyTorch", Image: "quay.io/jupyter/pytorch-notebook:2024-11-04"},
					},
					Unlisted: &model.UnlistedChoice{Enabled: true, ValidationRegex: "^.+:.+$"},
				}}},
		},
		Storage: model.Storage{
			Home:   model.Home{Type: model.HomeNFS, Server: "10.0.0.2", Path: "/homes/research"},
			Shared: model.Shared{Enabled: true},
		},
		Culling:       model.Culling{Enabled: true, IdleTimeout: 7200},
		CloudIdentity: true,
		UserScheduler: model.UserScheduler{Enabled: true},
		ImagePuller:   model.ImagePuller{Enabled: true},
		Cluster:       c,
		Src:           model.Source{File: "hubs/pangeo-gcp/research.yaml"},
	}
	c.Hubs = []*model.Hub{h}
	return h
}

// sharedPasswordHub: a workshop hub without culling, homes or identity.
func sharedPasswordHub() *model.Hub {
	c := awsCluster()
	h := &model.Hub{
		Name: "workshop", Domain: "workshop.pangeo.example.org", Namespace: "workshop",
		Auth: model.Auth{
			Type:           model.AuthSharedPassword,
			SharedPassword: secretRef("pangeo-aws/workshop/password", "password"),
			Admins:         []string{"alice"},
		},
		Image: "pangeo/base-notebook:2024.11.08",
		Profiles: []model.Profile{
			{Slug: "default", DisplayName: "Default", NodePool: "user-r5-xlarge",
				CPU: model.CPU{Guarantee: 0.25, Limit: 1}, Memory: model.Memory{Guarantee: "2G", Limit: "4G"}},
		},
		Storage:       model.Storage{Home: model.Home{Type: model.HomeNone}},
		UserScheduler: model.UserScheduler{Enabled: true},
		Cluster:       c,
		Src:           model.Source{File: "hubs/pangeo-aws/workshop.yaml"},
	}
	c.Hubs = []*model.Hub{h}
	return h
}

// genericOAuthHub: generic OAuth with groups, no user scheduler, warm
// placeholders, Azure workload identity on an AKS spot pool.
func genericOAuthHub() *model.Hub {
	c := azureCluster()
	h := &model.Hub{
		Name: "lab", Domain: "lab.example.org", Namespace: "lab",
		Auth: model.Auth{
			Type: model.AuthGenericOAuth, ClientID: "hub-lab",
			ClientSecret: secretRef("lab-oauth", "client-secret"),
			GenericOAuth: &model.GenericOAuth{
				AuthorizeURL:  "https://login.example.org/oauth2/authorize",
				TokenURL:      "https://login.example.org/oauth2/token",
				UserdataURL:   "https://login.example.org/oauth2/userinfo",
				UsernameClaim: "preferred_username",
				Scopes:        []string{"openid", "profile", "groups"},
				AllowedGroups: []string{"lab-users"},
				GroupsClaim:   "groups",
			},
			Admins: []string{"erin"},
		},
		Image: "quay.io/jupyter/scipy-notebook:2024-11-04",
		Profiles: []model.Profile{
			{Slug: "medium", DisplayName: "Medium", Default: true, NodePool: "user",
				CPU: model.CPU{Guarantee: 1, Limit: 2}, Memory: model.Memory{Guarantee: "8Gi", Limit: "8Gi"}},
		},
		Storage:       model.Storage{Home: model.Home{Type: model.HomeDynamic, Size: "20Gi"}},
		Culling:       model.Culling{Enabled: true},
		CloudIdentity: true,
		Placeholders:  model.Placeholders{Replicas: 2},
		Cluster:       c,
		Src:           model.Source{File: "hubs/pangeo-azure/lab.yaml"},
	}
	c.Hubs = []*model.Hub{h}
	return h
}

// testHubs are the golden hubs, by name.
func testHubs() map[string]*model.Hub {
	return map[string]*model.Hub{
		"github-dask":     githubDaskHub(),
		"cilogon-nfs-gpu": cilogonNFSHub(),
		"shared-password": sharedPasswordHub(),
		"generic-oauth":   genericOAuthHub(),
	}
}
