/* The bulk bar (BULK-01): how many cases are selected, which fields the chosen action needs,
   and the confirmation dialog the server answers with. */
(function () {
  "use strict";

  function form() { return document.getElementById("bulk-form"); }

  function selected() {
    return Array.from(document.querySelectorAll("[data-select-row]")).filter((box) => box.checked).length;
  }

  function refresh() {
    const bar = form();
    if (!bar) return;
    const all = bar.querySelector("[data-bulk-all]");
    const label = bar.querySelector("[data-bulk-selected]");
    const count = selected();
    if (label) {
      label.textContent = count ? label.dataset.some.replace("%(count)s", String(count)) : label.dataset.none;
    }
    bar.classList.toggle("has-selection", count > 0 || (all && all.checked));
    const action = bar.querySelector("[data-bulk-action]");
    for (const field of bar.querySelectorAll("[data-bulk-param]")) {
      const shown = action && field.dataset.bulkParam === action.value;
      field.hidden = !shown;
      for (const input of field.querySelectorAll("select, input")) input.disabled = !shown;
    }
  }

  document.addEventListener("change", (event) => {
    if (event.target.closest && event.target.closest("[data-select-row], [data-select-page], [data-bulk-all], [data-bulk-action]")) {
      refresh();
    }
  });
  document.addEventListener("DOMContentLoaded", refresh);
  document.addEventListener("htmx:afterSettle", refresh);

  // The server's answer (confirmation or error) lands in the dialog: show it.
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "bulk-dialog-body") {
      const dialog = document.getElementById("bulk-dialog");
      if (dialog && !dialog.open) dialog.showModal();
    }
  });
  // htmx does not swap 4xx answers by default; the confirmation template explains the refusal.
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "bulk-dialog-body" && event.detail.xhr.status >= 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("click", (event) => {
    if (event.target.closest("#bulk-dialog [data-dialog-close]")) document.getElementById("bulk-dialog").close();
  });
})();
