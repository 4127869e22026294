package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// helpFlag is one flag as relay -h lists it.
type helpFlag struct{ env, def string }

// helpFlags runs relay -h and returns its flags by name.
func helpFlags(t *testing.T) map[string]helpFlag {
	t.Helper()
	var out bytes.Buffer
	_ = runServe(context.Background(), []string{"-h"}, noEnv, &out)
	flags := map[string]helpFlag{}
	re := regexp.MustCompile(`(?m)^  -([a-z-]+)[^\n]*\n\s+[^\n]*\(env (RELAY_[A-Z_]+)\)(?: \(default "?([^")]*)"?\))?$`)
	for _, m := range re.FindAllStringSubmatch(out.String(), -1) {
		flags[m[1]] = helpFlag{env: m[2], def: m[3]}
	}
	if listed := len(regexp.MustCompile(`(?m)^  -`).FindAllString(out.String(), -1)); listed == 0 || len(flags) != listed {
		t.Fatalf("read %d flags of the %d in relay -h:\n%s", len(flags), listed, out.String())
	}
	return flags
}

// sameDefault compares a default as relay -h prints it with the README's.
func sameDefault(printed, documented string) bool {
	if strings.EqualFold(printed, documented) {
		return true
	}
	p, err1 := time.ParseDuration(printed)
	d, err2 := time.ParseDuration(documented)
	return err1 == nil && err2 == nil && p == d
}

// TestREADME_FlagsTableMatchesRelay keeps README.md's table of flags in step
// with the relay: every flag of relay -h is in it with its environment
// variable, every flag in it exists, and each default written as a value is
// the relay's.
func TestREADME_FlagsTableMatchesRelay(t *testing.T) {
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	flags := helpFlags(t)
	backticked := regexp.MustCompile("`([^`]+)`")
	documented := map[string]bool{}
	for _, line := range strings.Split(string(readme), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 5 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`-") {
			continue
		}
		var names, envs, defs []string
		for _, m := range backticked.FindAllStringSubmatch(cells[1], -1) {
			names = append(names, strings.TrimPrefix(m[1], "-"))
		}
		for _, m := range backticked.FindAllStringSubmatch(cells[2], -1) {
			envs = append(envs, m[1])
		}
		for _, m := range backticked.FindAllStringSubmatch(cells[3], -1) {
			defs = append(defs, m[1])
		}
		for i, name := range names {
			documented[name] = true
			f, ok := flags[name]
			switch {
			case !ok:
				t.Errorf("README lists -%s, which relay -h does not", name)
				continue
			case i >= len(envs) || envs[i] != f.env:
				t.Errorf("README: -%s with env %v, relay reads %s", name, envs, f.env)
			}
			if len(defs) == len(names) && f.def != "" && !sameDefault(f.def, defs[i]) {
				t.Errorf("README: -%s defaults to %q, relay to %q", name, defs[i], f.def)
			}
		}
	}
	for name := range flags {
		if !documented[name] {
			t.Errorf("relay -%s is missing from README's table of flags", name)
		}
	}
}
