// Starts app.wasm's download from the top of the page's <head>, and, once
// the service worker serves the site from its cache, compiles it in a
// dedicated worker, off the page's main thread (app/appjs.go,
// app/handler.go).
//
// Streaming compilation reads the 10 MB body on the thread that asked for
// it: in the page that was ~200 ms of the main thread (V8 taking in the
// bytes, Blink hashing them for the code cache, the final checks), queued
// behind the page's own parsing, styles and scripts, and app.js only asked
// once the deferred scripts ran. In a worker the page lays itself out
// meanwhile, and app.js instantiates the finished module (a
// WebAssembly.Module posted to the page shares its compiled code).
//
// On a first visit (no service worker in control) the page fetches the wasm
// here, as a preload would, and app.js streams that Response itself: a
// worker took ~150 ms more to start and ask for the file than the page
// did, which the download over the network then waited for.
//
// The worker reads the wasm from the service worker's cache of this
// version (its name is the script's data-cache, addCompile), not through
// fetch: a worker's fetch is not covered by the worker's static routes
// (app/worker.go), so it went through go-app's fetch handler, which waited
// for the service worker to start after it went idle (100-150 ms on this
// machine) or for its busy thread. When the cache does not have the file
// (not installed yet, another version) it fetches it as before.
//
// The page loads this file as the first script of its <head>, before the
// stylesheets, so that it runs as soon as it arrives (as an async script it
// ran after app.js in Chromium 148). self.chatWasmModule is the worker's
// module promise, self.chatWasmResponse the page's fetch; app.js takes
// either, and when it finds neither it sets chatWasmModule false, so that
// this file starts nothing, and fetches the wasm itself.
"use strict";
(() => {
  const url = "/web/app.wasm";

  if (typeof WorkerGlobalScope !== "undefined" && self instanceof WorkerGlobalScope) {
    // The worker. With the module it tells where the file came from and
    // when each step happened (times in milliseconds since the epoch; resource
    // timing is per thread and a cache read has none), which the page keeps
    // in self.chatWasmFetch for the start's measurements.
    const now = () => performance.timeOrigin + performance.now();
    const steps = { started: now(), source: "cache" };
    const cacheName = self.name;
    const cached = cacheName && self.caches
      ? caches.match(url, { cacheName }).catch(() => undefined)
      : Promise.resolve(undefined);
    steps.requested = now();
    let response;
    const got = cached.then((r) => {
      if (!r) {
        steps.source = "network";
        return fetch(url);
      }
      return r;
    }).then((r) => {
      steps.fetched = now();
      return (response = r);
    });
    WebAssembly.compileStreaming(got).then(
      (module) => {
        steps.compiled = now();
        postMessage({
          module,
          ...steps,
          requests: performance.getEntriesByName(new URL(url, self.location.href).href).length,
          type: response.type,
          contentType: response.headers.get("Content-Type"),
          encoding: response.headers.get("Content-Encoding"),
        });
      },
      (err) => postMessage({ error: String(err) })
    );
    return;
  }

  if (self.chatWasmModule !== undefined ||
    /bot|googlebot|crawler|spider|robot|crawling/i.test(navigator.userAgent) ||
    new URLSearchParams(location.search).get("wasm") === "false") {
    return; // app.js decides, as go-app does
  }
  if (!(navigator.serviceWorker && navigator.serviceWorker.controller) || !self.Worker || !WebAssembly.compileStreaming) {
    self.chatWasmResponse = fetch(url);
    return;
  }
  self.chatWasmModule = new Promise((resolve, reject) => {
    const script = document.currentScript;
    const worker = new Worker(script.src, { name: script.dataset.cache || "" });
    worker.onmessage = (event) => {
      worker.terminate();
      const { module, error, ...fetch } = event.data;
      if (!module) {
        reject(new Error(error));
        return;
      }
      for (const step of ["started", "requested", "fetched", "compiled"]) {
        fetch[step] -= performance.timeOrigin;
      }
      fetch.received = performance.now();
      self.chatWasmFetch = fetch;
      resolve(module);
    };
    worker.onerror = (event) => {
      worker.terminate();
      reject(new Error("compiling app.wasm in a worker: " + event.message));
    };
  });
})();
