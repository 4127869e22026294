package chat

// noCompare, as a struct's first field, makes the struct impossible to
// compare with ==, which no one does with the structs that hold it. It
// costs no memory, and it spares app.wasm the equality function the
// compiler writes for every comparable struct that is ever boxed in an
// interface (JSON, fmt, actions): about 400 bytes of code each
// (BENCHMARKS.md, "app.wasm size").
type noCompare [0]func()
