//go:build !js

package e2e

// speedProbeJS runs in the page before any of the app's scripts
// (Page.addScriptToEvaluateOnNewDocument) and notes, in performance.now()
// milliseconds since the navigation started, when each step of the start
// happens, into window.__speed:
//
//   - compileStart, compiled: WebAssembly.instantiateStreaming called and
//     resolved (download overlaps compiling: the wasm streams in), or
//     WebAssembly.instantiate, for the module web/wasm-compile.js compiled
//     in a worker;
//   - wasmResponse: the Response given to instantiateStreaming, its type
//     ("basic" from fetch, "default" when built in JavaScript), Content-Type
//     and Content-Encoding;
//   - runStart: go.run called (the Go runtime starts initialising);
//   - firstJSCall: the first syscall/js call, made by package initialisation
//     (syscall/js's own variables), after the runtime is up;
//   - runReturned: go.run's synchronous part returned: main has run until it
//     blocked, go-app's first render included; app.js removes the loader
//     right after;
//   - running: the loader (#app-wasm-loader) is gone, the app is running
//     (before, the page holds the loader and go-app's empty mount point);
//   - online: #conn-state says online, after running.
//
// wasmMemory() returns the Go program's linear memory in bytes: Go's heap
// lives there, outside the JS heap, and it only grows.
const speedProbeJS = `(() => {
	const s = window.__speed = {};
	const now = () => performance.now();
	const instantiateStreaming = WebAssembly.instantiateStreaming;
	WebAssembly.instantiateStreaming = async function (source, imports) {
		if (s.compileStart === undefined) s.compileStart = now();
		Promise.resolve(source).then((r) => {
			s.wasmResponse = {type: r.type, contentType: r.headers.get('Content-Type'), encoding: r.headers.get('Content-Encoding')};
		}, () => {});
		const result = await instantiateStreaming.call(this, source, imports);
		if (s.compiled === undefined) s.compiled = now();
		s.instance = result.instance;
		return result;
	};
	// The module web/wasm-compile.js compiled in a worker: the page only
	// instantiates it.
	const instantiate = WebAssembly.instantiate;
	WebAssembly.instantiate = async function (source, imports) {
		if (s.compileStart === undefined) s.compileStart = now();
		const result = await instantiate.call(this, source, imports);
		if (s.compiled === undefined) s.compiled = now();
		s.instance = result.instance || result;
		return result;
	};
	window.__speedWasmMemory = () => s.instance ? s.instance.exports.mem.buffer.byteLength : 0;

	// wasm_exec.js assigns globalThis.Go = class {…}; a setter wraps it.
	let Go;
	Object.defineProperty(window, 'Go', {
		configurable: true,
		get() { return Go; },
		set(Original) {
			Go = class extends Original {
				constructor() {
					super();
					const gojs = this.importObject.gojs;
					const valueGet = gojs['syscall/js.valueGet'];
					let first = true;
					gojs['syscall/js.valueGet'] = (sp) => {
						if (first) { first = false; s.firstJSCall = now(); }
						return valueGet(sp);
					};
				}
				run(instance) {
					s.runStart = now();
					const done = super.run(instance);
					s.runReturned = now();
					return done;
				}
			};
		},
	});

	const watch = new MutationObserver(() => {
		if (s.running === undefined) {
			if (s.runStart === undefined || document.getElementById('app-wasm-loader')) return;
			s.running = now();
		}
		const state = document.querySelector('#conn-state');
		if (state && state.dataset.state === 'online') {
			s.online = now();
			watch.disconnect();
		}
	});
	watch.observe(document, {childList: true, subtree: true, attributes: true, attributeFilter: ['data-state', 'id']});
})()`

// speedTimesJS reads window.__speed once the page is online, plus the
// resource timing of the HTML and of app.wasm (the compile worker's, which
// web/wasm-compile.js passes on, when the page did not fetch it).
const speedTimesJS = `(() => {
	const s = window.__speed || {};
	const nav = performance.getEntriesByType('navigation')[0];
	const wasm = performance.getEntriesByType('resource').find(e => new URL(e.name).pathname === '/web/app.wasm');
	return {
		html: nav ? nav.responseEnd : -1,
		wasmStart: wasm ? wasm.startTime : window.chatWasmFetch ? window.chatWasmFetch.requested : -1,
		wasmFetched: wasm ? wasm.responseEnd : window.chatWasmFetch ? window.chatWasmFetch.fetched : -1,
		compileStart: s.compileStart ?? -1, compiled: s.compiled ?? -1,
		runStart: s.runStart ?? -1, firstJSCall: s.firstJSCall ?? -1, runReturned: s.runReturned ?? -1,
		running: s.running ?? -1, online: s.online ?? -1,
		controlled: !!(navigator.serviceWorker && navigator.serviceWorker.controller),
		worker: window.chatWasmFetch || {},
	};
})()`

// keyProbeJS records, for every keydown in the page, the time from the
// input event (its timeStamp, taken when the browser received the input,
// so time spent queued behind other work counts) to just after the next
// frame: how long the person waits to see their key answered. __keyAt
// holds each measured key's input time, in the same order. Only keys from
// the keyboard count: the page's own untrusted keydown (app/appjs.go's
// warm-up of the composer) is nobody's key.
const keyProbeJS = `(() => {
	window.__keys = [];
	window.__keyAt = [];
	document.addEventListener('keydown', (e) => {
		if (!e.isTrusted) {
			return;
		}
		const t0 = e.timeStamp;
		requestAnimationFrame(() => setTimeout(() => { window.__keys.push(performance.now() - t0); window.__keyAt.push(t0); }));
	}, true);
	return true;
})()`

// openRoomJS switches the running page to room (as a link or the room list
// does: a new URL fragment) and resolves with the milliseconds until a frame
// shows the message that reads last (the room's newest), and how many
// messages that frame shows (the list renders a window of the newest, see
// app/ui/message-list.go). It checks once per frame, before the frame
// paints; the timer after it runs once the frame is produced.
const openRoomJS = `(room, last, timeoutMs) => new Promise((resolve, reject) => {
	const t0 = performance.now();
	location.hash = '#room=' + room;
	const check = () => {
		const items = document.querySelectorAll('#messages li.msg');
		const tail = items.length ? items[items.length - 1].querySelector('.text') : null;
		if (tail && tail.textContent.trim() === last) {
			setTimeout(() => resolve({ms: performance.now() - t0, shown: items.length}));
			return;
		}
		if (performance.now() - t0 > timeoutMs) {
			reject(new Error(room + ': ' + items.length + ' messages shown after ' + timeoutMs + ' ms, not the last'));
			return;
		}
		requestAnimationFrame(check);
	};
	requestAnimationFrame(check);
})`
