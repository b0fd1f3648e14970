// Live numbers for the public page, without a framework and without a reload. The server renders every
// part (see render.ts); this only swaps in what /events (Server-Sent Events) says changed, or, where
// EventSource is missing, what /state.json says every 15 seconds. Without JavaScript the page still reads.
/* global document, window, fetch, EventSource, setInterval -- this file runs in the browser */
(function () {
  "use strict";
  var shown = {};
  function apply(state) {
    if (state.title) document.title = state.title;
    var text = state.text || {};
    Object.keys(text).forEach(function (key) {
      var nodes = document.querySelectorAll('[data-live="' + key + '"]');
      for (var i = 0; i < nodes.length; i++) if (nodes[i].textContent !== text[key]) nodes[i].textContent = text[key];
    });
    var bar = document.getElementById("progress");
    if (bar && typeof state.progress === "number") {
      bar.value = state.progress;
      bar.setAttribute("value", String(state.progress));
      if (text.percent) bar.textContent = text.percent;
    }
    var sections = state.sections || {};
    Object.keys(sections).forEach(function (name) {
      var node = document.querySelector('[data-section="' + name + '"]');
      if (node && shown[name] !== sections[name]) {
        // Markup rendered and escaped by the server (render.ts), from the same origin.
        node.innerHTML = sections[name];
        shown[name] = sections[name];
      }
    });
  }
  function status(text) {
    var node = document.querySelector("[data-live-status]");
    if (node) node.textContent = text;
  }
  function poll() {
    fetch("/state.json", { cache: "no-store" })
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .then(function (state) {
        if (state) apply(state);
      })
      .catch(function () {});
  }
  if (window.EventSource) {
    var source = new EventSource("/events");
    source.addEventListener("state", function (event) {
      apply(JSON.parse(event.data));
      status("Live: these numbers update by themselves.");
    });
    source.addEventListener("error", function () {
      // A refused stream (too many open from this address) is not retried by the browser: poll instead.
      if (source.readyState === 2) {
        status("Updating every 15 seconds.");
        setInterval(poll, 15000);
      } else status("Reconnecting…");
    });
  } else if (window.fetch) {
    setInterval(poll, 15000);
  }
})();
