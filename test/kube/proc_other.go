//go:build !linux

package kube

import "os/exec"

// dieWithParent has no portable equivalent off Linux; Close still stops the
// processes on a normal exit.
func dieWithParent(*exec.Cmd) {}
