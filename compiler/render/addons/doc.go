// Package addons renders the per-cluster add-ons the hubs depend on as
// Argo CD Applications of their upstream helm charts, with chart versions
// pinned in fleet.yaml (versions.addons), plus one AppProject per cluster
// that confines them.
//
// What each cluster gets (see AddOns):
//   - ingress-nginx, when ingress.className is "nginx". Another class name
//     means the operator runs their own controller: nothing is installed.
//   - cert-manager, and the ClusterIssuer named by ingress.clusterIssuer
//     (Let's Encrypt production, HTTP-01 through the cluster's ingress
//     class), delivered through the chart's extraObjects value.
//   - External Secrets Operator (always: every hub's tokens are ESO
//     objects), and the ClusterSecretStore named by secretStore.name when
//     secretStore.kind is ClusterSecretStore, through extraObjects, backed
//     by the cloud's secret manager and authenticated with the controller's
//     own workload identity.
//   - the node provisioner's controller: Karpenter on AWS, Azure Service
//     Operator v2 on Azure with nodeProvisioner aso.
//
// Not installed, by design:
//   - Azure + karpenter: Node Auto Provisioning is Karpenter run by AKS
//     itself; enabling it is a cluster setting (Terraform / az aks).
//   - GCP + config-connector: Config Connector is a GKE add-on, enabled with
//     the cluster (addons_config.config_connector_config in Terraform), and
//     configured by a cluster-scoped ConfigConnector object
//     (core.cnrm.cloud.google.com) whose CRD the add-on itself installs and
//     hubfleet cannot validate; so the bootstrap creates that object too.
//
// Objects whose CRDs the charts install (ClusterIssuer, ClusterSecretStore)
// travel inside the chart values rather than as rendered files: Argo CD
// then creates them in the same sync as their CRDs, and hubfleet never
// writes a kind it cannot validate. They carry sync wave 1 so that Argo CD
// applies them only once the chart's webhooks (wave 0) are healthy.
//
// Sync waves: the add-on project is wave -4, the add-ons -3, and add-ons
// that need another add-on's CRDs (ASO uses cert-manager certificates) -2;
// all before the cluster-wide Application (-1) whose node pools need the
// provisioner's CRDs, and the hubs (0) whose Ingresses and ExternalSecrets
// need cert-manager and ESO.
//
// The ACME account has no e-mail address: it is optional in ACME and in
// cert-manager, Let's Encrypt stopped sending expiry mail in 2025, and the
// model carries no address, so any derived one (hubfleet@<hub domain>)
// might reach nobody or a stranger. Expiry is watched through
// cert-manager's metrics instead.
package addons
