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
    // The worker. With the module it tells how the file came (resource
    // timing is per thread; times in milliseconds since the epoch), which
    // the page keeps in self.chatWasmFetch for the start's measurements.
    let response;
    const fetched = fetch(url).then((r) => (response = r));
    WebAssembly.compileStreaming(fetched).then(
      (module) => {
        const entries = performance.getEntriesByName(new URL(url, self.location.href).href);
        const at = (t) => (entries.length ? performance.timeOrigin + t : 0);
        postMessage({
          module,
          requested: at(entries.length && entries[0].startTime),
          fetched: at(entries.length && entries[0].responseEnd),
          requests: entries.length,
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
    const worker = new Worker(document.currentScript.src);
    worker.onmessage = (event) => {
      worker.terminate();
      const { module, error, ...fetch } = event.data;
      if (!module) {
        reject(new Error(error));
        return;
      }
      fetch.requested -= performance.timeOrigin;
      fetch.fetched -= performance.timeOrigin;
      self.chatWasmFetch = fetch;
      resolve(module);
    };
    worker.onerror = (event) => {
      worker.terminate();
      reject(new Error("compiling app.wasm in a worker: " + event.message));
    };
  });
})();
