// The chat in the browser: the composer (Enter sends, stop, retry, edit, regenerate), the
// progress and error states, copying an answer with its sources, and implicit feedback events.
// No inline scripts anywhere: everything is wired here by delegation, so swapped-in HTML works.
(function () {
  "use strict";
  var PHASES = [
    [0, "Searching your documents…"],
    [1200, "Writing the answer…"],
    [12000, "Still working: the first answer after a restart can take longer…"],
  ];
  var COPY_RESET_MS = 2500;
  var pending = null; // the question being answered: {article, question, timers, reason}
  var copyingWithButton = false;

  function byId(id) { return document.getElementById(id); }
  function questionForm() { return byId("question-form"); }
  function questionBox() { return byId("id_question"); }

  function focusBox(text) {
    var box = questionBox();
    if (!box) return;
    if (typeof text === "string") box.value = text;
    autosize(box);
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  }

  function autosize(box) {
    box.style.height = "auto";
    box.style.height = Math.min(box.scrollHeight + 2, 192) + "px";
  }

  function ask(question, regenerate) {
    var form = questionForm();
    if (!form || pending) return;
    focusBox(question);
    form.querySelector("[name=regenerate]").value = regenerate || "";
    form.requestSubmit();
  }

  function isTyping(element) {
    return element && (element.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName));
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  // --- Composer keys ---------------------------------------------------------------------
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target.id === "id_question" && event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (!pending) target.form.requestSubmit();
    } else if (event.key === "Escape" && pending) {
      event.preventDefault();
      stop();
    } else if (event.key === "/" && !isTyping(target) && questionBox()) {
      event.preventDefault();
      focusBox();
    } else if (event.key === "ArrowUp" && target.id === "id_question" && !target.value) {
      var questions = document.querySelectorAll("#messages .edit-question");
      if (questions.length) {
        event.preventDefault();
        focusBox(questions[questions.length - 1].dataset.question);
      }
    }
  });

  document.addEventListener("input", function (event) {
    if (event.target.id === "id_question") autosize(event.target);
  });

  // --- Progress, stop, errors and retry --------------------------------------------------
  function isQuestionRequest(event) {
    return event.detail && event.detail.elt && event.detail.elt.id === "question-form";
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!isQuestionRequest(event)) return;
    var form = event.detail.elt;
    var question = form.querySelector("[name=question]").value.trim();
    if (!question) return; // the server refuses it in place, in the form
    var searchOnly = form.querySelector("[name=search_only]");
    var article = element("article", "message pending");
    article.setAttribute("aria-busy", "true");
    article.appendChild(element("h2", "question", question));
    var progress = element("p", "progress");
    progress.setAttribute("role", "status");
    article.appendChild(progress);
    var tools = element("div", "answer-tools");
    var stopButton = element("button", "stop-waiting", "Stop");
    stopButton.type = "button";
    tools.appendChild(stopButton);
    article.appendChild(tools);
    var welcome = document.querySelector("#messages .welcome");
    if (welcome) welcome.remove();
    byId("messages").appendChild(article);
    article.scrollIntoView({ block: "end" });
    pending = { article: article, question: question, timers: [], reason: "" };
    var phases = searchOnly && searchOnly.checked ? PHASES.slice(0, 1) : PHASES;
    phases.forEach(function (phase) {
      pending.timers.push(setTimeout(function () { progress.textContent = phase[1]; }, phase[0]));
    });
  });

  function finish() {
    var done = pending;
    if (done) done.timers.forEach(clearTimeout);
    pending = null;
    return done;
  }

  function fail(message) {
    var done = finish();
    if (!done) return;
    var article = done.article;
    article.classList.add("failed");
    article.removeAttribute("aria-busy");
    var progress = article.querySelector(".progress");
    progress.setAttribute("role", "alert");
    progress.textContent = message;
    var tools = article.querySelector(".answer-tools");
    tools.textContent = "";
    var retry = element("button", "retry", "Retry");
    retry.type = "button";
    retry.dataset.question = done.question;
    var edit = element("button", "edit-question", "Edit the question");
    edit.type = "button";
    edit.dataset.question = done.question;
    tools.appendChild(retry);
    tools.appendChild(edit);
    article.scrollIntoView({ block: "end" });
    if (!questionBox().value.trim()) focusBox(done.question);
    else focusBox();
  }

  function stop() {
    var form = questionForm();
    if (pending) pending.reason = "stopped";
    if (form) htmx.trigger(form, "htmx:abort");
  }

  document.addEventListener("htmx:responseError", function (event) {
    if (!isQuestionRequest(event)) return;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    fail("The answer could not be made (server error " + status + "). Your question is kept: retry, or edit it.");
  });
  document.addEventListener("htmx:sendError", function (event) {
    if (isQuestionRequest(event)) fail("The server could not be reached. Check your connection, then retry.");
  });
  document.addEventListener("htmx:timeout", function (event) {
    if (isQuestionRequest(event)) fail("No answer came in time, so the request was stopped. Retry, or ask a shorter question.");
  });
  document.addEventListener("htmx:sendAbort", function (event) {
    if (!isQuestionRequest(event)) return;
    fail(pending && pending.reason === "stopped" ? "Stopped. Retry, or edit the question." : "The request was interrupted. Retry?");
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (!isQuestionRequest(event) || !event.detail.successful) return;
    var done = finish();
    if (done) done.article.remove();
    var form = questionForm();
    var answered = event.detail.target && event.detail.target.id === "messages";
    if (answered) {
      questionBox().value = "";
      form.querySelector("[name=regenerate]").value = "";
      var articles = byId("messages").querySelectorAll(":scope > article.message");
      if (articles.length) articles[articles.length - 1].scrollIntoView({ block: "start" });
    }
    focusBox();
  });

  // --- Buttons ----------------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return citationClicked(event);
    if (button.matches(".stop, .stop-waiting")) {
      stop();
    } else if (button.matches(".retry")) {
      button.closest("article").remove();
      ask(button.dataset.question);
    } else if (button.matches(".edit-question")) {
      var failed = button.closest("article.failed");
      if (failed) failed.remove();
      focusBox(button.dataset.question);
    } else if (button.matches(".regenerate")) {
      ask(button.dataset.question, button.dataset.message);
    } else if (button.matches(".example-question")) {
      ask(button.dataset.question);
    } else if (button.matches(".sidebar-toggle")) {
      var open = byId("sidebar").classList.toggle("open");
      button.setAttribute("aria-expanded", String(open));
    } else if (button.matches(".copy-button")) {
      copyAnswer(button);
    }
  });

  // --- Copy: the answer with its numbered sources, as plain text --------------------------
  function answerAsText(article) {
    var text = article.querySelector(".answer-text").innerText.trim();
    var sources = Array.prototype.map.call(article.querySelectorAll(".sources > li"), function (item, index) {
      var label = item.dataset.label || item.querySelector("summary").textContent.trim();
      var number = item.querySelector("[data-source]") ? item.querySelector("[data-source]").dataset.source : index + 1;
      return "[" + number + "] " + label.replace(/^\[\d+\]\s*/, "");
    });
    return sources.length ? text + "\n\nSources:\n" + sources.join("\n") : text;
  }

  function copyAnswer(button) {
    var article = button.closest("[data-message]");
    var text = answerAsText(article);
    copyingWithButton = true;
    (navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.resolve())
      .finally(function () { copyingWithButton = false; });
    button.textContent = "Copied";
    clearTimeout(button.resetTimer);
    button.resetTimer = setTimeout(function () { button.textContent = "Copy answer"; }, COPY_RESET_MS);
    record(article, { kind: "copy", detail: "button", copied_characters: text.length });
  }

  // --- Implicit feedback: copies (button or selection) and citations opened ---------------
  function csrfToken() {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  }

  function record(article, data) {
    if (!article || !article.dataset.eventUrl) return;
    fetch(article.dataset.eventUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken() },
      body: new URLSearchParams(data),
      keepalive: true,
    });
  }

  function citationClicked(event) {
    var citation = event.target.closest("a.citation");
    if (citation) {
      var target = document.querySelector(citation.getAttribute("href") + " details");
      if (target) target.open = true; // opening it records the event (toggle below)
    }
  }

  // A citation expanded, by mouse or keyboard.
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (details.matches && details.matches(".sources details") && details.open) {
      record(details.closest("[data-message]"), { kind: "citation_open", detail: details.dataset.source });
    }
  }, true);

  // The question box empties itself once its answer has arrived (an hx-on attribute would need
  // the CSP's 'unsafe-eval'); the options (search only, collections) stay as chosen.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target;
    if (form.id === "question-form" && event.detail.successful && event.detail.target.id === "messages") {
      var box = form.querySelector("[name=question]");
      box.value = "";
      autosize(box);
    }
  });

  // Text the user selects and copies from an answer.
  document.addEventListener("copy", function () {
    if (copyingWithButton) return;
    var selection = document.getSelection();
    var node = selection && selection.anchorNode;
    var found = node && (node.nodeType === 1 ? node : node.parentElement);
    var article = found && found.closest("[data-message]");
    if (article && selection.toString().trim()) {
      record(article, { kind: "copy", detail: "selection", copied_characters: selection.toString().length });
    }
  });

  // Focus the box when the chat opens.
  document.addEventListener("DOMContentLoaded", function () {
    if (questionBox() && !location.hash) focusBox();
  });
})();
