package nodepool

import (
	"fmt"

	"github.com/hubfleet/hubfleet/compiler/model"
)

// ASOVersion is the one ManagedClustersAgentPool API version hubfleet
// renders: the newest version served by the vendored ASO v2.16 CRD, which
// is also the storage version's family.
const ASOVersion = "v1api20250801"

// Argo CD annotations every capacity object carries: never pruned, never
// deleted with the Application, node classes synced before node pools.
const (
	AnnotSyncOptions = "argocd.argoproj.io/sync-options"
	AnnotSyncWave    = "argocd.argoproj.io/sync-wave"

	SyncOptionsCapacity = "Prune=false,Delete=false"
	SyncWaveNodeClass   = "-5"
	SyncWaveNodePool    = "-4"
)

// Provider guards against deleting the cloud capacity with the object.
const (
	annotKCCProject        = "cnrm.cloud.google.com/project-id"
	annotKCCDeletionPolicy = "cnrm.cloud.google.com/deletion-policy"
	annotKCCStateIntoSpec  = "cnrm.cloud.google.com/state-into-spec"
	annotKCCConflictPolicy = "cnrm.cloud.google.com/management-conflict-prevention-policy"
	annotASOReconcile      = "serviceoperator.azure.com/reconcile-policy"
)

// Default namespaces of the operators that own namespaced capacity objects.
const (
	DefaultKCCNamespace = "config-connector"
	DefaultASONamespace = "azureserviceoperator-system"
)

// Root-disk sizes of the node classes when a pool sets none. GPU images
// (CUDA, PyTorch) are several times larger than CPU notebook images.
const (
	defaultDiskGiBAWS   = 100
	defaultDiskGiBAzure = 128 // the AKSNodeClass CRD default
	defaultGPUDiskGiB   = 200
)

// Template names, one per provider target; each is <name>.libsonnet.
const (
	TemplateAWSKarpenter   = "aws-karpenter"
	TemplateGCPKCC         = "gcp-config-connector"
	TemplateAzureASO       = "azure-aso"
	TemplateAzureKarpenter = "azure-karpenter"
)

// templateFor picks the template of a cluster's provider and provisioner.
func templateFor(c *model.Cluster) (string, error) {
	switch {
	case c.Provider == model.ProviderAWS && c.NodeProvisioner == model.ProvisionerKarpenter:
		return TemplateAWSKarpenter, nil
	case c.Provider == model.ProviderGCP && c.NodeProvisioner == model.ProvisionerConfigConnector:
		return TemplateGCPKCC, nil
	case c.Provider == model.ProviderAzure && c.NodeProvisioner == model.ProvisionerASO:
		return TemplateAzureASO, nil
	case c.Provider == model.ProviderAzure && c.NodeProvisioner == model.ProvisionerKarpenter:
		return TemplateAzureKarpenter, nil
	}
	return "", fmt.Errorf("node provisioner %q is not supported on provider %q", c.NodeProvisioner, c.Provider)
}
