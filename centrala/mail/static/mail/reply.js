/* The e-mail editor (MAIL-01): a chosen reply template goes into the message at the cursor (its
   subject fills an empty subject); after sending, the case card opens on its Activities tab, where
   the new e-mail shows. A static file: the CSP allows no inline script. */
(() => {
  "use strict";
  document.addEventListener("change", (event) => {
    const select = event.target.closest("[data-reply-template]");
    if (!select || !select.value) return;
    const option = select.selectedOptions[0];
    const form = select.closest("form");
    const body = form.querySelector("textarea[name=body]");
    const text = option.dataset.body || "";
    const at = body.selectionStart ?? 0;
    body.value = body.value.slice(0, at) + text + body.value.slice(body.selectionEnd ?? at);
    body.focus();
    body.setSelectionRange(at + text.length, at + text.length);
    const subject = form.querySelector("input[name=subject]");
    if (subject && option.dataset.subject && !subject.value.trim()) subject.value = option.dataset.subject;
    select.value = "";
  });
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-testid=reply-form]");
    if (!form) return;
    try { sessionStorage.setItem("centrala.case-tab." + form.dataset.caseId, "activities"); } catch (e) { /* ignore */ }
  });
})();
