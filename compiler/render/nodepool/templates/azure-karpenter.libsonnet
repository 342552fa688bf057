// Azure with node auto-provisioning (Karpenter): karpenter.sh/v1 NodePool +
// karpenter.azure.com/v1beta1 AKSNodeClass.
local karpenter = import 'hubfleet/karpenter.libsonnet';

{
  nodePool(pool, cluster):: karpenter.nodePool(pool, cluster),

  nodeClass(nc, cluster):: {
    apiVersion: 'karpenter.azure.com/v1beta1',
    kind: 'AKSNodeClass',
    metadata: {
      name: nc.name,
      annotations: nc.annotations,
    },
    spec: {
      imageFamily: nc.imageFamily,
      osDiskSizeGB: nc.diskSizeGiB,
      gpu: if nc.gpu then { mode: 'Driver' },
    },
  },
}
