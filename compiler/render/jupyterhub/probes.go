package jupyterhub

import (
	corev1 "k8s.io/api/core/v1"
)

// timing is a probe's delay, period, timeout and failure threshold, in the
// order z2jh's values list them.
type timing struct{ delay, period, timeout, failures int32 }

// httpProbe is an HTTP(S) GET probe with the given timing.
func httpProbe(get corev1.HTTPGetAction, t timing) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler:        corev1.ProbeHandler{HTTPGet: &get},
		InitialDelaySeconds: t.delay, PeriodSeconds: t.period, TimeoutSeconds: t.timeout, FailureThreshold: t.failures,
	}
}
