package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// when is app.If and each is app.Range(…).Slice, without go-app's
// condition and range types: each links its own set of node methods (about
// 2 KB of brotli'd app.wasm together, BENCHMARKS.md "app.wasm size"), while
// Body already drops the nil that when gives for false.
func when(cond bool, render func() app.UI) app.UI {
	if !cond {
		return nil
	}
	return render()
}

// each renders item(0) … item(n-1), for Body(each(len(xs), item)...).
func each(n int, item func(i int) app.UI) []app.UI {
	out := make([]app.UI, n)
	for i := range out {
		out[i] = item(i)
	}
	return out
}
