// The upload page: lists the chosen files with their sizes before anything is sent, and says
// which ones will be refused (empty ones), so a curator can fix the selection first. htmx
// posts the form and swaps only the results, so the selection survives a refusal.
(function () {
  "use strict";

  function size(bytes) {
    if (bytes < 1024) return bytes + " bytes";
    if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + " KB";
    return (bytes / 1024 / 1024).toFixed(1) + " MB";
  }

  function listSelection(input, list) {
    list.replaceChildren();
    Array.from(input.files).forEach((file) => {
      const item = document.createElement("li");
      item.textContent = file.name + " (" + size(file.size) + ")";
      if (file.size === 0) {
        item.className = "upload-refused";
        item.textContent += " — empty: it will not be added";
      }
      list.appendChild(item);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("upload-form");
    const list = document.getElementById("upload-selection");
    const input = form && form.querySelector("input[type=file]");
    if (!input || !list) return;
    input.addEventListener("change", () => listSelection(input, list));
    listSelection(input, list);
  });
})();
