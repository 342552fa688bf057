// AKS through Azure Service Operator: ManagedClustersAgentPool at the one
// API version hubfleet pins (cluster.azure.apiVersion), in the namespace
// ASO watches.
{
  nodePool(pool, cluster):: {
    local az = cluster.azure,
    apiVersion: az.apiVersion,
    kind: 'ManagedClustersAgentPool',
    metadata: {
      name: pool.name,
      namespace: az.namespace,
      annotations: pool.annotations,
    },
    spec: {
      owner: { armId: az.ownerArmId },
      azureName: pool.azureName,
      mode: pool.mode,
      type: 'VirtualMachineScaleSets',
      osType: 'Linux',
      osSKU: std.get(az, 'osSKU'),
      vmSize: pool.machineType,
      // Autoscaled: no count, or ARM and the autoscaler fight over it.
      enableAutoScaling: true,
      minCount: pool.min,
      maxCount: pool.max,
      availabilityZones: pool.zones,
      osDiskSizeGB: if pool.diskSizeGiB > 0 then pool.diskSizeGiB,
      nodeLabels: pool.labels,
      nodeTaints: pool.taints,
      gpuProfile: if pool.gpu != null then { driver: 'Install' },
    } + (
      if pool.spot then {
        scaleSetPriority: 'Spot',
        scaleSetEvictionPolicy: 'Delete',
        spotMaxPrice: -1,  // pay up to the on-demand price
      } else {}
    ),
  },
}
