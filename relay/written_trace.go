//go:build !benchlat

package relay

// traceWritten sees every batch a turn has written. Only the benchlat build
// (written_trace_benchlat.go) does anything with it; here it compiles away.
func traceWritten([][]byte) {}
