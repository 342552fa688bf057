package argocd

import (
	"github.com/hubfleet/hubfleet/compiler/model"
)

// testFleet is two clusters: pangeo-aws (Karpenter) with a daskhub and an
// NFS hub in its own namespace, and pangeo-gcp (Config Connector) with
// one plain hub.
func testFleet() *model.Fleet {
	aws := &model.Cluster{
		Name:            "pangeo-aws",
		Provider:        model.ProviderAWS,
		AWS:             &model.AWS{Account: "123456789012", Region: "us-west-2", ClusterName: "pangeo"},
		NodeProvisioner: model.ProvisionerKarpenter,
		ArgoCD:          model.ArgoCDTarget{Destination: "pangeo-aws-eks"},
		Src:             model.Source{File: "hubs/pangeo-aws/cluster.yaml"},
	}
	aws.Hubs = []*model.Hub{
		{
			Name: "prod", Namespace: "prod-hub", Cluster: aws,
			Storage: model.Storage{Home: model.Home{Type: model.HomeNFS, Server: "fs-1.efs", Path: "/homes/prod"}},
			Src:     model.Source{File: "hubs/pangeo-aws/prod.yaml"},
		},
		{
			Name: "staging", Namespace: "staging", Cluster: aws,
			Dask:    model.Dask{Enabled: true},
			Storage: model.Storage{Home: model.Home{Type: model.HomeDynamic, Size: "10Gi"}},
			Src:     model.Source{File: "hubs/pangeo-aws/staging.yaml"},
		},
	}
	gcp := &model.Cluster{
		Name:            "pangeo-gcp",
		Provider:        model.ProviderGCP,
		GCP:             &model.GCP{Project: "pangeo-hubs", Location: "us-central1", ClusterName: "pangeo"},
		NodeProvisioner: model.ProvisionerConfigConnector,
		ArgoCD:          model.ArgoCDTarget{Destination: "pangeo-gke"},
		Src:             model.Source{File: "hubs/pangeo-gcp/cluster.yaml"},
	}
	gcp.Hubs = []*model.Hub{{
		Name: "workshop", Namespace: "workshop", Cluster: gcp,
		Storage: model.Storage{Home: model.Home{Type: model.HomeDynamic, Size: "5Gi"}},
		Src:     model.Source{File: "hubs/pangeo-gcp/workshop.yaml"},
	}}
	return &model.Fleet{
		Source: "hubs/fleet.yaml",
		GitOps: model.GitOps{
			RepoURL:         "https://github.com/example-org/hubs.git",
			TargetRevision:  "main",
			ArgocdNamespace: "argocd",
		},
		Clusters: []*model.Cluster{aws, gcp},
	}
}

// azureFleet has an ASO cluster with a custom ASO namespace and a
// Karpenter (NAP) Azure cluster without hubs.
func azureFleet() *model.Fleet {
	aso := &model.Cluster{
		Name: "az-aso", Provider: model.ProviderAzure, NodeProvisioner: model.ProvisionerASO,
		Azure:  &model.Azure{SubscriptionID: "sub", ResourceGroup: "rg", ClusterName: "aks", Location: "westeurope", Namespace: "aso"},
		ArgoCD: model.ArgoCDTarget{Destination: "aks-1"},
		Src:    model.Source{File: "hubs/az-aso/cluster.yaml"},
	}
	aso.Hubs = []*model.Hub{{Name: "edu", Namespace: "edu", Cluster: aso, Dask: model.Dask{Enabled: true},
		Src: model.Source{File: "hubs/az-aso/edu.yaml"}}}
	nap := &model.Cluster{
		Name: "az-nap", Provider: model.ProviderAzure, NodeProvisioner: model.ProvisionerKarpenter,
		Azure:  &model.Azure{SubscriptionID: "sub", ResourceGroup: "rg", ClusterName: "aks2", Location: "westeurope"},
		ArgoCD: model.ArgoCDTarget{Destination: "aks-2"},
		Src:    model.Source{File: "hubs/az-nap/cluster.yaml"},
	}
	return &model.Fleet{
		GitOps:   model.GitOps{RepoURL: "git@github.com:example/hubs.git", TargetRevision: "v1.2.3", ArgocdNamespace: "gitops"},
		Clusters: []*model.Cluster{aso, nap},
	}
}
