// GKE through Config Connector: container.cnrm.cloud.google.com/v1beta1
// ContainerNodePool, in the namespace Config Connector watches.
{
  nodePool(pool, cluster):: {
    local gcp = cluster.gcp,
    apiVersion: 'container.cnrm.cloud.google.com/v1beta1',
    kind: 'ContainerNodePool',
    metadata: {
      name: pool.name,
      namespace: gcp.namespace,
      annotations: pool.annotations,
    },
    spec: {
      resourceID: pool.name,
      clusterRef: { external: gcp.clusterRef },
      location: gcp.location,
      nodeLocations: pool.zones,
      autoscaling: {
        totalMinNodeCount: pool.min,
        totalMaxNodeCount: pool.max,
        locationPolicy: 'ANY',
      },
      management: { autoRepair: true, autoUpgrade: true },
      nodeConfig: {
        machineType: pool.machineType,
        diskSizeGb: if pool.diskSizeGiB > 0 then pool.diskSizeGiB,
        labels: pool.labels,
        taint: pool.taints,
        spot: if pool.spot then true,
        workloadMetadataConfig: { mode: 'GKE_METADATA' },
        guestAccelerator: if pool.gpu != null then [{
          type: pool.gpu.type,
          count: pool.gpu.count,
          gpuDriverInstallationConfig: { gpuDriverVersion: 'DEFAULT' },
        }],
      },
    },
  },
}
