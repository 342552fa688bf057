// AWS with Karpenter: karpenter.sh/v1 NodePool + karpenter.k8s.aws/v1
// EC2NodeClass. Fields that are null or empty are dropped after rendering.
local karpenter = import 'hubfleet/karpenter.libsonnet';

{
  nodePool(pool, cluster):: karpenter.nodePool(pool, cluster),

  nodeClass(nc, cluster):: {
    local discovery = [{ tags: { 'karpenter.sh/discovery': nc.discoveryTag } }],
    apiVersion: 'karpenter.k8s.aws/v1',
    kind: 'EC2NodeClass',
    metadata: {
      name: nc.name,
      annotations: nc.annotations,
    },
    spec: {
      role: nc.role,
      amiSelectorTerms: [{ alias: nc.amiAlias }],
      subnetSelectorTerms: discovery,
      securityGroupSelectorTerms: discovery,
      blockDeviceMappings: [{
        deviceName: nc.rootDevice,
        ebs: {
          volumeSize: std.toString(nc.diskSizeGiB) + 'Gi',
          volumeType: 'gp3',
          encrypted: true,
          deleteOnTermination: true,
        },
      }],
    },
  },
}
