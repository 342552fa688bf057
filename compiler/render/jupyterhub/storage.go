package jupyterhub

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/base"
)

// Paths and names of user storage. KubeSpawner expands the {…} templates
// per user server; names must never change on a live hub.
const (
	homeDir          = "/home/jovyan"
	sharedDir        = homeDir + "/shared"
	sharedSubPath    = "_shared"
	dynamicClaim     = "claim-{user_server}"
	dynamicVolume    = "volume-{user_server}"
	nfsVolume        = "home"
	nfsHomeSubPath   = "{escaped_username}"
	defaultNFSSize   = "1Mi" // NFS ignores capacity; the API requires one
	homeOwnerInitCmd = "chown 1000:100 " + homeDir
)

// homeStorage renders the static NFS PersistentVolume and its claim. The
// PV is cluster-scoped, so its name carries the cluster-unique namespace.
func (r *renderer) homeStorage() error {
	h := r.h
	if h.Storage.Home.Type != model.HomeNFS {
		return nil
	}
	size, err := r.nfsSize()
	if err != nil {
		return err
	}
	pvName := h.Namespace + "-" + nameHomeNFS
	pv := &corev1.PersistentVolume{
		TypeMeta:   typeMeta("v1", "PersistentVolume"),
		ObjectMeta: r.clusterMeta(pvName, compSingleuser),
		Spec: corev1.PersistentVolumeSpec{
			Capacity:    corev1.ResourceList{corev1.ResourceStorage: size},
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany},
			// Retain: user homes outlive the claim.
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			PersistentVolumeSource: corev1.PersistentVolumeSource{NFS: &corev1.NFSVolumeSource{
				Server: h.Storage.Home.Server, Path: h.Storage.Home.Path}},
			// Reserve the volume for this hub's claim only.
			ClaimRef: &corev1.ObjectReference{APIVersion: "v1", Kind: "PersistentVolumeClaim",
				Namespace: h.Namespace, Name: nameHomeNFS},
		},
	}
	pvc := &corev1.PersistentVolumeClaim{
		TypeMeta:   typeMeta("v1", "PersistentVolumeClaim"),
		ObjectMeta: r.meta(nameHomeNFS, compSingleuser),
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany},
			// "" (not unset): no default StorageClass may provision it.
			StorageClassName: ptr(""),
			VolumeName:       pvName,
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: size}},
		},
	}
	pv.Annotations = map[string]string{annotArgoSync: keepData}
	pvc.Annotations = map[string]string{annotArgoSync: keepData}
	return r.addAll(pv, pvc)
}

func (r *renderer) nfsSize() (resource.Quantity, error) {
	s := r.h.Storage.Home.Size
	if s == "" {
		s = defaultNFSSize
	}
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return q, fmt.Errorf("storage.home.size: %w", err)
	}
	return q, nil
}

// userStorage sets the KubeSpawner storage traits of user pods on t: the
// volumes, their mounts and the dynamic-PVC settings. It returns any init
// container that the storage needs.
func (r *renderer) userStorage(t *spawnerSettings) ([]initContainer, error) {
	home := r.h.Storage.Home
	switch home.Type {
	case model.HomeDynamic:
		if home.Size == "" {
			return nil, fmt.Errorf("storage.home: dynamic needs a size")
		}
		if _, err := resource.ParseQuantity(home.Size); err != nil {
			return nil, fmt.Errorf("storage.home.size: %w", err)
		}
		t.StoragePVCEnsure = true
		t.PVCNameTemplate = dynamicClaim
		t.StorageCapacity = home.Size
		t.StorageAccessModes = []string{string(corev1.ReadWriteOnce)}
		t.StorageClass = home.StorageClass
		t.Volumes = []volume{{Name: dynamicVolume, PersistentVolumeClaim: claimName{ClaimName: "{pvc_name}"}}}
		t.VolumeMounts = []volumeMount{{Name: dynamicVolume, MountPath: homeDir}}
		return nil, nil
	case model.HomeNFS:
		t.StoragePVCEnsure = false
		t.Volumes = []volume{{Name: nfsVolume, PersistentVolumeClaim: claimName{ClaimName: nameHomeNFS}}}
		mounts := []volumeMount{{Name: nfsVolume, MountPath: homeDir, SubPath: nfsHomeSubPath}}
		cmd := homeOwnerInitCmd
		initMounts := []volumeMount{{Name: nfsVolume, MountPath: homeDir, SubPath: nfsHomeSubPath}}
		if r.h.Storage.Shared.Enabled {
			// Read-only for users; our pre-spawn hook makes it writable
			// for admins.
			mounts = append(mounts, volumeMount{Name: nfsVolume, MountPath: sharedDir, SubPath: sharedSubPath, ReadOnly: true})
			initMounts = append(initMounts, volumeMount{Name: nfsVolume, MountPath: sharedDir, SubPath: sharedSubPath})
			cmd += " " + sharedDir
		}
		t.VolumeMounts = mounts
		// The kubelet creates missing subPath directories owned by root;
		// hand them to the notebook user (uid 1000, gid 100).
		return []initContainer{{
			Name:         "home-ownership",
			Image:        r.img.NetworkTools,
			Command:      []string{"sh", "-c", cmd},
			VolumeMounts: initMounts,
			SecurityContext: securityContext{
				RunAsUser: 0, RunAsNonRoot: ptr(false), AllowPrivilegeEscalation: ptr(false),
				Capabilities: capabilities{Drop: []string{"ALL"}, Add: []string{"CHOWN"}},
			},
		}}, nil
	default: // none: an ephemeral home in the container
		t.StoragePVCEnsure = false
		return nil, nil
	}
}

// metadataBlocker is the init container that drops user-pod traffic to the
// cloud metadata server on the node side (the NetworkPolicy blocks it too).
func (r *renderer) metadataBlocker() initContainer {
	return initContainer{
		Name:    "block-cloud-metadata",
		Image:   r.img.NetworkTools,
		Command: []string{"iptables", "--append", "OUTPUT", "--destination", metadataIP, "--jump", "DROP"},
		SecurityContext: securityContext{
			RunAsUser:    0,
			Privileged:   true,
			Capabilities: capabilities{Add: []string{"NET_ADMIN"}},
		},
	}
}

// userPlacementFor is the placement of a profile's pods.
func (r *renderer) userPlacementFor(p *model.Profile) base.PodPlacement {
	return base.UserPlacement(r.c, r.c.Pool(r.h, p.NodePool))
}
