// Shapes a karpenter.sh/v1 NodePool from hubfleet's pool data. Shared by
// aws-karpenter and azure-karpenter, which pass their node-class kind and
// provider keys in cluster.karpenter.
{
  requirement(key, values):: { key: key, operator: 'In', values: values },

  nodePool(pool, cluster):: {
    local k = cluster.karpenter,
    local d = pool.disruption,
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: {
      name: pool.name,
      annotations: pool.annotations,
    },
    spec: {
      template: {
        metadata: { labels: pool.labels },
        spec: {
          nodeClassRef: { group: k.nodeClassGroup, kind: k.nodeClassKind, name: pool.nodeClass },
          requirements: [
            $.requirement('node.kubernetes.io/instance-type', pool.instanceTypes),
            $.requirement('karpenter.sh/capacity-type', [pool.capacityType]),
            $.requirement('kubernetes.io/arch', [pool.arch]),
            $.requirement('kubernetes.io/os', ['linux']),
          ] + (
            if std.length(pool.zones) > 0
            then [$.requirement('topology.kubernetes.io/zone', pool.zones)]
            else []
          ) + (
            // Guard: a GPU pool never launches an instance without GPUs.
            if pool.gpu != null
            then [{ key: k.gpuCountKey, operator: 'Gt', values: ['0'] }]
            else []
          ),
          taints: pool.taints,
          startupTaints: k.startupTaints,
          expireAfter: d.expireAfter,
          terminationGracePeriod: std.get(d, 'terminationGracePeriod'),
        },
      },
      disruption: {
        consolidationPolicy: d.consolidationPolicy,
        consolidateAfter: d.consolidateAfter,
        budgets: d.budgets,
      },
      limits: { nodes: pool.max } + (
        if pool.gpu != null then { 'nvidia.com/gpu': pool.gpu.limit } else {}
      ),
    },
  },
}
