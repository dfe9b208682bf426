// Implicit feedback: copies (button or selection) and citations opened, sent to the server.
(function () {
  "use strict";
  var copyingWithButton = false;

  function csrfToken() {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  }

  function record(article, data) {
    if (!article) return;
    fetch(article.dataset.eventUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken() },
      body: new URLSearchParams(data),
      keepalive: true,
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".copy-button");
    if (button) {
      var article = button.closest("[data-message]");
      var text = article.querySelector(".answer-text").innerText.trim();
      copyingWithButton = true;
      (navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.resolve())
        .finally(function () { copyingWithButton = false; });
      button.textContent = "Copied";
      record(article, { kind: "copy", detail: "button", copied_characters: text.length });
      return;
    }
    var citation = event.target.closest("a.citation");
    if (citation) {
      var target = document.querySelector(citation.getAttribute("href") + " details");
      if (target) target.open = true; // opening it records the event (toggle below)
    }
  });

  // A citation expanded, by mouse or keyboard.
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (details.matches && details.matches(".sources details") && details.open) {
      record(details.closest("[data-message]"), { kind: "citation_open", detail: details.dataset.source });
    }
  }, true);

  // The question form empties itself once its answer has arrived (an hx-on attribute would need
  // the CSP's 'unsafe-eval').
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target;
    if (form.id === "question-form" && event.detail.successful && event.detail.target.id === "messages") {
      form.reset();
    }
  });

  // Text the user selects and copies from an answer.
  document.addEventListener("copy", function () {
    if (copyingWithButton) return;
    var selection = document.getSelection();
    var node = selection && selection.anchorNode;
    var element = node && (node.nodeType === 1 ? node : node.parentElement);
    var article = element && element.closest("[data-message]");
    if (article && selection.toString().trim()) {
      record(article, { kind: "copy", detail: "selection", copied_characters: selection.toString().length });
    }
  });
})();
