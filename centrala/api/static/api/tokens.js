/* Profile page: copy a newly created API token to the clipboard. */
(function () {
  "use strict";

  async function copy(field) {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(field.value);
      return;
    }
    // Plain-HTTP installations have no Clipboard API; fall back to selecting and copying.
    field.focus();
    field.select();
    if (!document.execCommand("copy")) throw new Error("copy refused");
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const field = document.getElementById(button.dataset.copy);
    if (!field) return;
    try {
      await copy(field);
      button.textContent = button.dataset.copiedLabel;
    } catch (error) {
      field.focus();
      field.select();
      if (window.Centrala && Centrala.toast) Centrala.toast(button.dataset.failedLabel, "error");
    }
  });

  document.addEventListener("focusin", (event) => {
    if (event.target.matches("[data-select-on-focus]")) event.target.select();
  });
})();
