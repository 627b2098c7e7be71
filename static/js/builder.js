// The scorecard builder's keyboard and saved/unsaved indicator (htmx does the saving).
// Loaded on every page (hx-boost swaps only <body>); it acts only inside #builder.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Enter in an outcome saves that outcome; Shift+Enter keeps a new line.
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    if (!(field instanceof HTMLTextAreaElement) || !field.dataset.enterSubmits) return;
    var button = document.getElementById(field.dataset.enterSubmits);
    if (!button || !field.form || button.disabled) return;
    event.preventDefault();
    button.click(); // a click, so htmx sends the button's name and value as a form would
  });

  function changed(field) {
    if (field.type === "hidden" || field.type === "search" || field.disabled) return false;
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked !== field.defaultChecked;
    }
    if (field instanceof HTMLSelectElement) {
      return Array.prototype.some.call(field.options, function (option) {
        return option.selected !== option.defaultSelected;
      });
    }
    var saved = field.dataset.saved !== undefined ? field.dataset.saved : field.defaultValue;
    return field.value !== saved;
  }

  // One indicator for the whole builder: which parts hold text that is not saved yet.
  function refresh() {
    var builder = document.getElementById("builder");
    var state = document.getElementById("save-state");
    if (!builder || !state) return;
    if (!state.dataset.server) {
      state.dataset.server = state.dataset.state;
      state.dataset.serverText = state.textContent;
    }
    var parts = [];
    builder.querySelectorAll("form input, form textarea, form select").forEach(function (field) {
      if (!changed(field)) return;
      var section = field.closest("section");
      var heading = section && section.querySelector("h2");
      var name = heading ? heading.firstChild.textContent.trim() : "this page";
      if (parts.indexOf(name) < 0) parts.push(name);
    });
    var text = parts.length
      ? "Unsaved changes: " + parts.join(", ")
      : state.dataset.serverText;
    var kind = parts.length ? "unsaved" : state.dataset.server;
    if (state.textContent !== text) state.textContent = text;
    state.dataset.state = kind;
  }

  document.addEventListener("input", refresh);
  document.addEventListener("change", refresh);
  document.addEventListener("htmx:afterSettle", refresh);
  document.addEventListener("htmx:load", refresh);
  document.addEventListener("htmx:beforeRequest", function (event) {
    var state = document.getElementById("save-state");
    if (state && event.target.closest && event.target.closest("#builder") &&
        event.detail.requestConfig && event.detail.requestConfig.verb === "post") {
      state.textContent = "Saving…";
      state.dataset.state = "saving";
    }
  });
  document.addEventListener("DOMContentLoaded", refresh);
})();
