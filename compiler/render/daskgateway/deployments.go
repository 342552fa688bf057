package daskgateway

import (
	"path"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/hubfleet/hubfleet/compiler/render/base"
)

// gatewayUID is the dask user of the dask-gateway-server image; traefik
// runs as the same unprivileged uid.
const gatewayUID = 1000

func (r *renderer) apiDeployment(cm *corev1.ConfigMap) *appsv1.Deployment {
	name := apiName(r.h)
	podLabels := r.labels(componentAPI)
	// The gateway calls the hub API to check tokens: the hub's policy
	// admits pods holding this label.
	podLabels[base.AccessHub] = "true"
	c := r.serverContainer("gateway", []string{"dask-gateway-server", "--config", path.Join(ConfigDir, ConfigFile)})
	c.Env = []corev1.EnvVar{{
		Name: TokenEnv,
		ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: base.TokensSecret},
			Key:                  base.KeyDaskGatewayToken,
		}},
	}}
	c.Ports = []corev1.ContainerPort{{Name: "api", ContainerPort: base.DaskAPIPort, Protocol: corev1.ProtocolTCP}}
	health := corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/api/health", Port: intstr.FromString("api")}}
	c.LivenessProbe = &corev1.Probe{ProbeHandler: health, InitialDelaySeconds: 5, PeriodSeconds: 10, TimeoutSeconds: 2, FailureThreshold: 6}
	c.ReadinessProbe = &corev1.Probe{ProbeHandler: health, InitialDelaySeconds: 5, PeriodSeconds: 10, TimeoutSeconds: 2, FailureThreshold: 3}
	c.Resources = requests("100m", "256Mi")

	d := r.deployment(name, componentAPI, podLabels, c)
	d.Spec.Template.Annotations = map[string]string{checksumAnnot: checksum(cm)}
	d.Spec.Template.Spec.Volumes = []corev1.Volume{configVolumeFor(name)}
	return d
}

func (r *renderer) controllerDeployment(cm *corev1.ConfigMap) *appsv1.Deployment {
	name := controllerName(r.h)
	c := r.serverContainer("controller", []string{"dask-gateway-server", "kube-controller", "--config", path.Join(ConfigDir, ConfigFile)})
	c.Ports = []corev1.ContainerPort{{Name: "api", ContainerPort: base.DaskAPIPort, Protocol: corev1.ProtocolTCP}}
	c.Resources = requests("50m", "128Mi")

	d := r.deployment(name, componentController, r.labels(componentController), c)
	// Two controllers would reconcile the same DaskClusters.
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	d.Spec.Template.Annotations = map[string]string{checksumAnnot: checksum(cm)}
	d.Spec.Template.Spec.Volumes = []corev1.Volume{configVolumeFor(name)}
	return d
}

// TraefikArgs is traefik's static configuration: routes come only from CRD
// objects carrying this instance's label in the hub namespace, and one web
// entrypoint carries both HTTP and (SNI-routed) scheduler TLS traffic.
func (r *renderer) traefikArgs() []string {
	return []string{
		"--global.checknewversion=false",
		"--global.sendanonymoususage=false",
		"--ping=true",
		"--ping.entrypoint=traefik",
		"--providers.kubernetescrd",
		"--providers.kubernetescrd.allowcrossnamespace=true",
		"--providers.kubernetescrd.labelselector=" + InstanceLabel + "=" + base.DaskFullName(r.h),
		"--providers.kubernetescrd.namespaces=" + r.ns,
		"--providers.kubernetescrd.throttleduration=2s",
		"--log.level=WARN",
		"--entrypoints.traefik.address=:9000",
		"--entrypoints.web.address=:8000",
	}
}

func (r *renderer) traefikDeployment() *appsv1.Deployment {
	c := corev1.Container{
		Name:  "traefik",
		Image: r.images.Traefik,
		Args:  r.traefikArgs(),
		Ports: []corev1.ContainerPort{
			{Name: "traefik", ContainerPort: traefikPing, Protocol: corev1.ProtocolTCP},
			{Name: webEntrypoint, ContainerPort: base.TraefikPort, Protocol: corev1.ProtocolTCP},
		},
		Resources:       requests("50m", "64Mi"),
		SecurityContext: containerSecurity(true),
		// The root filesystem is read-only; traefik's scratch space is not.
		VolumeMounts: []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}},
	}
	ping := corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ping", Port: intstr.FromString("traefik")}}
	c.ReadinessProbe = &corev1.Probe{ProbeHandler: ping, InitialDelaySeconds: 10, PeriodSeconds: 10, TimeoutSeconds: 2, FailureThreshold: 1, SuccessThreshold: 1}
	c.LivenessProbe = &corev1.Probe{ProbeHandler: ping, InitialDelaySeconds: 10, PeriodSeconds: 10, TimeoutSeconds: 2, FailureThreshold: 3, SuccessThreshold: 1}

	d := r.deployment(traefikName(r.h), componentTraefik, r.labels(componentTraefik), c)
	grace := int64(60)
	d.Spec.Template.Spec.TerminationGracePeriodSeconds = &grace
	// A size limit also keeps the emptyDir non-empty: manifest.New prunes
	// empty maps, and a bare "emptyDir: {}" would vanish.
	tmpLimit := resource.MustParse("64Mi")
	d.Spec.Template.Spec.Volumes = []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{
		EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: &tmpLimit},
	}}}
	return d
}

// serverContainer is the dask-gateway-server container shared by api and
// controller: the image's tini entrypoint stays PID 1, so args, not command.
func (r *renderer) serverContainer(name string, args []string) corev1.Container {
	return corev1.Container{
		Name:            name,
		Image:           r.images.Server,
		Args:            args,
		VolumeMounts:    []corev1.VolumeMount{{Name: configVolume, MountPath: ConfigDir, ReadOnly: true}},
		SecurityContext: containerSecurity(false),
	}
}

// deployment wraps one container in a one-replica Deployment on core nodes.
func (r *renderer) deployment(name, component string, podLabels map[string]string, c corev1.Container) *appsv1.Deployment {
	one := int32(1)
	nonRoot := true
	uid := int64(gatewayUID)
	noLinks := false
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: r.meta(name, component),
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: base.DaskSelectorLabels(r.h, component)},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels},
				Spec: corev1.PodSpec{
					ServiceAccountName: name,
					// Every address is written out in the config; service
					// link variables would only add noise.
					EnableServiceLinks: &noLinks,
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot:   &nonRoot,
						RunAsUser:      &uid,
						RunAsGroup:     &uid,
						FSGroup:        &uid,
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Containers:  []corev1.Container{c},
					Tolerations: base.CoreTolerations(),
					Affinity:    base.CoreAffinity(),
				},
			},
		},
	}
}

func containerSecurity(readOnlyRoot bool) *corev1.SecurityContext {
	no := false
	sc := &corev1.SecurityContext{
		AllowPrivilegeEscalation: &no,
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
	if readOnlyRoot {
		ro := true
		sc.ReadOnlyRootFilesystem = &ro
	}
	return sc
}

func configVolumeFor(configMap string) corev1.Volume {
	return corev1.Volume{
		Name: configVolume,
		VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: configMap},
		}},
	}
}

func requests(cpu, memory string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{Requests: corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse(cpu),
		corev1.ResourceMemory: resource.MustParse(memory),
	}}
}
