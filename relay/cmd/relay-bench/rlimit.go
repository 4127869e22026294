package main

import (
	"fmt"
	"syscall"
)

// fdReserve is how many file descriptors the tool keeps for itself (stdio,
// /proc reads, the runtime's poller) besides one per connection.
const fdReserve = 64

// raiseFileLimit raises the soft RLIMIT_NOFILE to the hard limit and returns
// how many connections this process can hold. The server has its own limit,
// which this tool cannot raise: start it from a shell with ulimit -n.
func raiseFileLimit() (maxConns int, err error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("read open-files limit: %w", err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, fmt.Errorf("raise open-files limit to %d: %w", lim.Max, err)
		}
	}
	return int(lim.Cur) - fdReserve, nil
}
