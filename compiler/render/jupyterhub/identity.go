package jupyterhub

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/hubfleet/hubfleet/compiler/model"
)

// identityName is the cloud identity of a hub's users: IAM role, Google
// service account or Azure managed identity, all named <cluster>-<hub>.
func (r *renderer) identityName() string { return r.c.Name + "-" + r.h.Name }

// cloudIdentity returns the user ServiceAccount's annotations and the
// extra user-pod labels that bind user pods to the hub's cloud identity.
func (r *renderer) cloudIdentity() (annotations, podLabels map[string]string, err error) {
	name := r.identityName()
	switch r.c.Provider {
	case model.ProviderAWS:
		if r.c.AWS == nil || r.c.AWS.Account == "" {
			return nil, nil, fmt.Errorf("cloudIdentity: cluster %s has no aws.account", r.c.Name)
		}
		return map[string]string{
			"eks.amazonaws.com/role-arn": fmt.Sprintf("arn:aws:iam::%s:role/%s", r.c.AWS.Account, name),
		}, nil, nil
	case model.ProviderGCP:
		if r.c.GCP == nil || r.c.GCP.Project == "" {
			return nil, nil, fmt.Errorf("cloudIdentity: cluster %s has no gcp.project", r.c.Name)
		}
		return map[string]string{
			"iam.gke.io/gcp-service-account": fmt.Sprintf("%s@%s.iam.gserviceaccount.com", name, r.c.GCP.Project),
		}, nil, nil
	case model.ProviderAzure:
		// Azure wants the managed identity's client ID, a GUID the model
		// does not carry; the identity's name stands in for it until it
		// does (see doc.go).
		return map[string]string{"azure.workload.identity/client-id": name},
			map[string]string{"azure.workload.identity/use": "true"}, nil
	}
	return nil, nil, fmt.Errorf("cloudIdentity: unknown provider %q", r.c.Provider)
}

// userServiceAccount renders user-sa, the ServiceAccount of user pods when
// the hub has a cloud identity. Without one, user pods run under the
// namespace's default account with no token mounted.
func (r *renderer) userServiceAccount() error {
	if !r.h.CloudIdentity {
		return nil
	}
	annotations, _, err := r.cloudIdentity()
	if err != nil {
		return err
	}
	sa := &corev1.ServiceAccount{TypeMeta: typeMeta("v1", "ServiceAccount"), ObjectMeta: r.meta(nameUserSA, compSingleuser)}
	sa.Annotations = annotations
	return r.add(sa)
}
