// Copy buttons: <button type="button" data-copy="ID" hidden> copies the value of input ID, or
// the text of element ID, to the clipboard and says so in a status message beside it.
// Without JavaScript the buttons stay hidden and the text stays plain, selectable text.
(function () {
  "use strict";

  function reveal(root) {
    root.querySelectorAll("button[data-copy][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function statusFor(button) {
    var next = button.nextElementSibling;
    if (next && next.classList.contains("copy-status")) {
      return next;
    }
    var status = document.createElement("small");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    button.insertAdjacentElement("afterend", status);
    return status;
  }

  function select(source) {
    if (typeof source.select === "function") {
      source.select();
      return;
    }
    var range = document.createRange();
    range.selectNodeContents(source);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copy(text, source) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    select(source); // without the async clipboard (plain http): the old command on a selection
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) {
      return;
    }
    var source = document.getElementById(button.dataset.copy);
    if (!source) {
      return;
    }
    var text = source.tagName === "INPUT" ? source.value : source.textContent.trim();
    var status = statusFor(button);
    copy(text, source).then(
      function () {
        status.textContent = "Copied to the clipboard.";
      },
      function () {
        select(source);
        status.textContent = "Selected: press Ctrl+C (⌘C on a Mac) to copy.";
      }
    );
  });

  document.addEventListener("DOMContentLoaded", function () {
    reveal(document);
  });
  document.addEventListener("htmx:load", function (event) {
    reveal(event.detail.elt);
  });
})();
