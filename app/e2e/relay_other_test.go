//go:build !js && !linux

package e2e

import "os/exec"

// dieWithParent does nothing where the kernel cannot tie a child's life to its
// parent's; the test's cleanups still stop the relay.
func dieWithParent(*exec.Cmd) {}
