// Command wasmsize says where the bytes of app.wasm go. go tool nm cannot read
// wasm, so it reads the module itself: the code section gives each function's
// body size and the name section (kept when the build has no -s) its Go
// symbol, which is summed per Go package. It prints the sizes browsers
// download (raw, gzip and brotli at the generator's best quality), the bytes
// per wasm section, the biggest packages and the biggest functions:
//
//	go run ./app/internal/cmd/wasmsize              # builds ./app for js/wasm
//	go run ./app/internal/cmd/wasmsize -top 60 -syms 40
//	go run ./app/internal/cmd/wasmsize -wasm app.wasm -fast
//
// Package sizes are code bytes only: the data section (strings, type
// descriptors, pclntab) is shown as one total. The brotli size is of the
// build without symbols (-ldflags=-s -w, -gcflags=all=-l and
// GOEXPERIMENT=nogreenteagc: see package wasmbuild), exactly as build.sh
// ships it.
package main

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/andybalholm/brotli"

	"github.com/chatpwa/chat/app/internal/wasmbuild"
)

func main() {
	pkg := flag.String("pkg", "./app", "package to build for js/wasm")
	wasmPath := flag.String("wasm", "", "read this app.wasm (built without -s) instead of building -pkg")
	top := flag.Int("top", 40, "how many packages to list")
	syms := flag.Int("syms", 30, "how many functions to list")
	match := flag.String("match", "", "list only functions whose name contains this")
	fast := flag.Bool("fast", false, "skip compressing (brotli at best quality takes a while)")
	flag.Parse()

	dir, err := os.MkdirTemp("", "wasmsize")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	named := *wasmPath
	shipped := ""
	if named == "" {
		named = filepath.Join(dir, "named.wasm")
		shipped = filepath.Join(dir, "app.wasm")
		if err := build(*pkg, named, "-ldflags=-w"); err != nil {
			log.Fatal(err)
		}
		if err := build(*pkg, shipped, "-ldflags=-s -w"); err != nil {
			log.Fatal(err)
		}
	}
	module, err := os.ReadFile(named)
	if err != nil {
		log.Fatal(err)
	}
	report, err := analyze(module)
	if err != nil {
		log.Fatal(err)
	}
	if shipped != "" {
		raw, err := os.ReadFile(shipped)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("app.wasm: %d raw", len(raw))
		if !*fast {
			gz, br, err := compressed(raw)
			if err != nil {
				log.Fatal(err)
			}
			fmt.Printf(", %d gzip, %d brotli", gz, br)
		}
		fmt.Println(" (-ldflags=\"-s -w\", as shipped)")
	}
	report.print(os.Stdout, *top, *syms, *match)
}

// build builds pkg as build.sh's WASM_BUILD_FLAGS and WASM_GOEXPERIMENT do
// (wasmbuild), with ldflags for -ldflags: the inlining and the collector
// the shipped file has decide much of its size.
func build(pkg, out, ldflags string) error {
	var flags []string
	for _, f := range wasmbuild.Flags {
		if !strings.HasPrefix(f, "-ldflags=") {
			flags = append(flags, f)
		}
	}
	cmd := exec.Command("go", append(append(append([]string{"build"}, flags...), ldflags, "-o", out), pkg)...)
	cmd.Env = wasmbuild.Env(os.Environ())
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, output)
	}
	return nil
}

// compressed returns the sizes at the levels the site generator uses.
func compressed(raw []byte) (gzipSize, brotliSize int, err error) {
	var gz, br bytes.Buffer
	gw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return 0, 0, err
	}
	bw := brotli.NewWriterLevel(&br, brotli.BestCompression)
	for _, w := range []io.WriteCloser{gw, bw} {
		if _, err := w.Write(raw); err != nil {
			return 0, 0, err
		}
		if err := w.Close(); err != nil {
			return 0, 0, err
		}
	}
	return gz.Len(), br.Len(), nil
}

// function is one defined function: its Go symbol and its body's size.
type function struct {
	name string
	size int
}

type section struct {
	name string
	size int
}

type report struct {
	sections  []section
	functions []function
	memory    []byte // the data segments laid out as in linear memory
}

// Wasm section ids (WebAssembly core spec, 5.5).
const (
	sectionCustom   = 0
	sectionImport   = 2
	sectionCode     = 10
	sectionData     = 11
	importFunction  = 0
	subsectionNames = 1
)

var sectionNames = map[byte]string{
	0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory",
	6: "global", 7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "datacount",
}

func analyze(module []byte) (*report, error) {
	r := &reader{b: module}
	if !bytes.HasPrefix(module, []byte("\x00asm")) {
		return nil, errors.New("not a wasm module")
	}
	r.off = 8
	var (
		rep       report
		imported  int
		bodySizes []int
		names     = map[int]string{}
	)
	for r.off < len(r.b) {
		id := r.byte()
		size := int(r.uleb())
		start := r.off
		body := &reader{b: r.b[start : start+size]}
		name := sectionNames[id]
		switch id {
		case sectionImport:
			imported = countFunctionImports(body)
		case sectionCode:
			n := int(body.uleb())
			for range n {
				s := int(body.uleb())
				bodySizes = append(bodySizes, s)
				body.off += s
			}
		case sectionData:
			rep.memory = readMemory(body)
		case sectionCustom:
			custom := body.name()
			name = "custom " + custom
			if custom == "name" {
				readFunctionNames(body, names)
			}
		}
		if body.err != nil {
			return nil, fmt.Errorf("section %s: %w", name, body.err)
		}
		rep.sections = append(rep.sections, section{name, size})
		r.off = start + size
	}
	if len(names) == 0 {
		return nil, errors.New("no name section: build without -ldflags=-s")
	}
	for i, s := range bodySizes {
		n, ok := names[imported+i]
		if !ok {
			n = fmt.Sprintf("func%d", imported+i)
		}
		rep.functions = append(rep.functions, function{n, s})
	}
	return &rep, r.err
}

// readMemory lays the active data segments out as in linear memory; Go's
// linker writes each as "i32.const offset; end" and leaves out zero runs.
func readMemory(r *reader) []byte {
	var memory []byte
	n := int(r.uleb())
	for range n {
		if r.uleb() != 0 || r.byte() != 0x41 { // memory 0, i32.const
			r.fail()
			return nil
		}
		offset := int(r.sleb())
		r.byte() // end
		size := int(r.uleb())
		if r.err != nil || r.off+size > len(r.b) {
			r.fail()
			return nil
		}
		if end := offset + size; end > len(memory) {
			memory = append(memory, make([]byte, end-len(memory))...)
		}
		copy(memory[offset:], r.b[r.off:r.off+size])
		r.off += size
	}
	return memory
}

// pclntab finds the runtime's function table (its go1.20+ header) in memory
// and returns the sizes of its parts: per function a name, pc-value tables
// (stack depth, file, line, safe points at every call) and a _func record
// with its funcdata. They cost about as much as the code itself brotli'd:
// every function and call site pays here too.
func pclntab(memory []byte) (names, pctab, functab int, ok bool) {
	header := []byte{0xf1, 0xff, 0xff, 0xff, 0, 0, 1, 8} // magic, pad, minLC 1, ptrSize 8
	at := bytes.Index(memory, header)
	if at < 0 || at+72 > len(memory) {
		return 0, 0, 0, false
	}
	word := func(i int) int { return int(binary.LittleEndian.Uint64(memory[at+8+8*i:])) }
	nfunc, funcnameOff, cuOff, pctabOff, funcOff := word(0), word(3), word(4), word(6), word(7)
	last := 0
	for i := range nfunc {
		if off := int(binary.LittleEndian.Uint32(memory[at+funcOff+8*i+4:])); off > last {
			last = off
		}
	}
	return cuOff - funcnameOff, funcOff - pctabOff, last, true
}

func countFunctionImports(r *reader) int {
	n := int(r.uleb())
	functions := 0
	for range n {
		r.name()
		r.name()
		switch kind := r.byte(); kind {
		case importFunction:
			r.uleb()
			functions++
		case 1: // table: reftype, limits
			r.byte()
			readLimits(r)
		case 2: // memory
			readLimits(r)
		case 3: // global: valtype, mutability
			r.byte()
			r.byte()
		}
	}
	return functions
}

func readLimits(r *reader) {
	if r.byte() == 1 {
		r.uleb()
	}
	r.uleb()
}

func readFunctionNames(r *reader, names map[int]string) {
	for r.off < len(r.b) && r.err == nil {
		id := r.byte()
		size := int(r.uleb())
		end := r.off + size
		if id == subsectionNames {
			n := int(r.uleb())
			for range n {
				idx := int(r.uleb())
				names[idx] = r.name()
			}
		}
		r.off = end
	}
}

// packageOf returns the Go package of a symbol. The linker writes names with
// every "/", "-", "(", "*" and ")" turned into "_", so "(*T).M" in
// github.com/x/y-z reads "github.com_x_y_z.__T_.M": the package ends at the
// first dot that is not a domain's, and the generic arguments in brackets
// are dropped first.
func packageOf(symbol string) string {
	if i := strings.IndexByte(symbol, '['); i >= 0 {
		symbol = symbol[:i]
	}
	for from := 0; ; {
		dot := strings.IndexByte(symbol[from:], '.')
		if dot < 0 {
			return symbol
		}
		dot += from
		rest := symbol[dot+1:]
		domain := false
		for _, tld := range []string{"com_", "org_", "io_", "net_", "dev_", "in_"} {
			domain = domain || strings.HasPrefix(rest, tld)
		}
		if !domain {
			return symbol[:dot]
		}
		from = dot + 1
	}
}

func (rep *report) print(w io.Writer, top, syms int, match string) {
	total := 0
	for _, s := range rep.sections {
		total += s.size
	}
	fmt.Fprintf(w, "\nsections of the named build (%d bytes):\n", total)
	for _, s := range rep.sections {
		fmt.Fprintf(w, "  %9d  %s\n", s.size, s.name)
	}

	if names, pctab, functab, ok := pclntab(rep.memory); ok {
		fmt.Fprintf(w, "\nin data, the runtime's function table: %d names, %d pc-value tables, %d+ _func records\n", names, pctab, functab)
	}

	perPackage := map[string]int{}
	code := 0
	for _, f := range rep.functions {
		perPackage[packageOf(f.name)] += f.size
		code += f.size
	}
	type pkgSize struct {
		name string
		size int
	}
	var pkgs []pkgSize
	for name, size := range perPackage {
		pkgs = append(pkgs, pkgSize{name, size})
	}
	slices.SortFunc(pkgs, func(a, b pkgSize) int {
		return cmp.Or(cmp.Compare(b.size, a.size), strings.Compare(a.name, b.name))
	})
	fmt.Fprintf(w, "\ncode bytes per package (%d functions, %d bytes, %d packages):\n", len(rep.functions), code, len(pkgs))
	for _, p := range pkgs[:min(top, len(pkgs))] {
		fmt.Fprintf(w, "  %9d  %5.1f%%  %s\n", p.size, 100*float64(p.size)/float64(code), p.name)
	}

	functions := slices.Clone(rep.functions)
	if match != "" {
		functions = slices.DeleteFunc(functions, func(f function) bool { return !strings.Contains(f.name, match) })
	}
	slices.SortFunc(functions, func(a, b function) int {
		return cmp.Or(cmp.Compare(b.size, a.size), strings.Compare(a.name, b.name))
	})
	fmt.Fprintf(w, "\nbiggest functions%s:\n", map[bool]string{true: " matching " + match}[match != ""])
	for _, f := range functions[:min(syms, len(functions))] {
		fmt.Fprintf(w, "  %9d  %s\n", f.size, f.name)
	}
}

// reader decodes the LEB128 and length-prefixed fields of a wasm module; the
// first error sticks and reads after it return zero values.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) byte() byte {
	if r.err != nil || r.off >= len(r.b) {
		r.fail()
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

func (r *reader) uleb() uint64 {
	if r.err != nil || r.off >= len(r.b) {
		r.fail()
		return 0
	}
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		r.fail()
		return 0
	}
	r.off += n
	return v
}

func (r *reader) sleb() int64 {
	var v int64
	var shift uint
	for {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		v |= int64(c&0x7f) << shift
		shift += 7
		if c < 0x80 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v
		}
	}
}

func (r *reader) name() string {
	n := int(r.uleb())
	if r.err != nil || r.off+n > len(r.b) {
		r.fail()
		return ""
	}
	s := string(r.b[r.off : r.off+n])
	r.off += n
	return s
}

func (r *reader) fail() {
	if r.err == nil {
		r.err = io.ErrUnexpectedEOF
	}
}
