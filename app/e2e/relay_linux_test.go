//go:build linux

package e2e

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill the relay when the test process dies
// (a go test timeout, a ^C), so that no relay outlives its test and holds a
// port. Cleanups handle every ordinary end.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
