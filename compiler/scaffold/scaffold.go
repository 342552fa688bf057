// Package scaffold writes starting points for new clusters and hubs: files
// that validate as they are, with the values an operator must change marked.
package scaffold

import (
	"bytes"
	"fmt"
	"regexp"
	"text/template"

	"github.com/hubfleet/hubfleet/compiler/model"
)

var dns1123 = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)

// ValidName checks a cluster or hub name (hub names are at most 40
// characters so that derived names fit).
func ValidName(name string, max int) error {
	if len(name) > max || !dns1123.MatchString(name) {
		return fmt.Errorf("%q is not a valid name: lower-case letters, digits and '-', starting with a letter, at most %d characters", name, max)
	}
	return nil
}

// Providers lists what `new cluster --provider` accepts.
var Providers = []string{model.ProviderAWS, model.ProviderGCP, model.ProviderAzure}

// Cluster returns a cluster.yaml for a new cluster.
func Cluster(name, provider string) ([]byte, error) {
	if err := ValidName(name, 63); err != nil {
		return nil, err
	}
	t, ok := clusterTemplates[provider]
	if !ok {
		return nil, fmt.Errorf("--provider %q: want aws, gcp or azure", provider)
	}
	return execute(t, map[string]string{"Name": name})
}

// Hub returns a <hub>.yaml for a new hub on cluster c. Its one profile uses
// the cluster's first user pool, with guarantees small enough for any
// instance type.
func Hub(c *model.Cluster, name string) ([]byte, error) {
	if err := ValidName(name, 40); err != nil {
		return nil, err
	}
	for _, h := range c.Hubs {
		if h.Name == name {
			return nil, fmt.Errorf("hub %s/%s exists already (%s)", c.Name, name, h.Src.File)
		}
	}
	pool := ""
	for _, p := range c.NodePools {
		if p.Purpose == model.PurposeUser && p.GPU == nil {
			pool = p.Name
			break
		}
	}
	if pool == "" {
		return nil, fmt.Errorf("cluster %s has no non-GPU user node pool for the hub's default profile; add one to %s first", c.Name, c.Src.File)
	}
	return execute(hubTemplate, map[string]string{"Name": name, "Cluster": c.Name, "Pool": pool})
}

func execute(t *template.Template, data any) ([]byte, error) {
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

var hubTemplate = template.Must(template.New("hub").Parse(`# yaml-language-server: $schema=../../schema/hub.schema.json
# New hub {{.Cluster}}/{{.Name}}. Replace every CHANGEME, then run ` + "`hubfleet validate`" + `.
displayName: {{.Name}}
domain: {{.Name}}.{{.Cluster}}.example.org   # CHANGEME: the hub's public domain
auth:
  type: github
  clientId: CHANGEME-client-id   # the GitHub OAuth app's client ID
  clientSecret:
    # the client secret lives in the cluster's secret store, never here
    secretRef: {key: {{.Cluster}}/{{.Name}}/github, property: client-secret}
  github:
    allowedOrganizations: [CHANGEME-org]   # only members may log in
  admins: []
image: pangeo/pangeo-notebook:2024.11.08
profiles:
  - slug: small
    displayName: Small (2 GB RAM)
    default: true
    nodePool: {{.Pool}}
    cpu: {guarantee: 0.5, limit: 2}
    memory: {guarantee: 2G, limit: 4G}
`))

var clusterTemplates = map[string]*template.Template{
	model.ProviderAWS: template.Must(template.New("aws").Parse(`# yaml-language-server: $schema=../../schema/cluster.schema.json
# New cluster {{.Name}} on AWS (EKS + Karpenter). Replace every CHANGEME.
provider: aws
aws: {account: "000000000000", region: us-west-2, clusterName: {{.Name}}}   # CHANGEME
nodeProvisioner: karpenter
argocd: {destination: {{.Name}}}
ingress: {className: nginx, clusterIssuer: letsencrypt-prod}
secretStore: {kind: ClusterSecretStore, name: aws-secrets-manager}
nodeClass:
  aws: {role: KarpenterNodeRole-{{.Name}}, amiAlias: al2023@latest, discoveryTag: {{.Name}}}
nodePools:
  - {name: core, purpose: core, instanceTypes: [r5.large], min: 1, max: 3}
  - {name: user, purpose: user, instanceTypes: [r5.xlarge], max: 50}
  - {name: dask, purpose: dask-worker, instanceTypes: [r5.4xlarge], max: 100}
`)),
	model.ProviderGCP: template.Must(template.New("gcp").Parse(`# yaml-language-server: $schema=../../schema/cluster.schema.json
# New cluster {{.Name}} on GCP (GKE + Config Connector). Replace every CHANGEME.
provider: gcp
gcp: {project: changeme-project, location: us-central1, clusterName: {{.Name}}}   # CHANGEME
nodeProvisioner: config-connector
argocd: {destination: {{.Name}}}
ingress: {className: nginx, clusterIssuer: letsencrypt-prod}
secretStore: {kind: ClusterSecretStore, name: gcp-secret-manager}
nodePools:
  - {name: core, purpose: core, instanceTypes: [n2-highmem-2], min: 1, max: 3}
  - {name: user, purpose: user, instanceTypes: [n2-highmem-4], max: 50}
  - {name: dask, purpose: dask-worker, instanceTypes: [n2-highmem-16], max: 100}
`)),
	model.ProviderAzure: template.Must(template.New("azure").Parse(`# yaml-language-server: $schema=../../schema/cluster.schema.json
# New cluster {{.Name}} on Azure (AKS + Azure Service Operator). Replace every CHANGEME.
provider: azure
azure:   # CHANGEME
  subscriptionID: 00000000-0000-0000-0000-000000000000
  resourceGroup: {{.Name}}-rg
  clusterName: {{.Name}}
  location: westeurope
nodeProvisioner: aso
argocd: {destination: {{.Name}}}
ingress: {className: nginx, clusterIssuer: letsencrypt-prod}
secretStore: {kind: ClusterSecretStore, name: azure-key-vault}
nodePools:
  - {name: core, purpose: core, instanceTypes: [Standard_E2s_v5], min: 1, max: 3}
  - {name: user, purpose: user, instanceTypes: [Standard_E4s_v5], max: 50}
  - {name: dask, purpose: dask-worker, instanceTypes: [Standard_E16s_v5], max: 100}
`)),
}
