/* Picking a contact (CON-03), shared by the case card and "+" new case.
   - [data-contact-search] inputs ask contacts:suggest (data-suggest-url, ?q=) and show its list in the
     nearest [data-contact-suggestions];
   - [data-contact-new] opens #contact-dialog with the contacts:create form (its data-src);
   - a pick (a suggestion's button, or the dialog's contactCreated trigger) is announced as
     "cases:contact-picked" {id, name} on the picker, for the page to use. */
(function () {
  "use strict";
  const DELAY = 250;
  let timer = null;
  let lastOpener = null; // the element whose picker receives a contact created in the dialog

  function resultsFor(input) {
    const scope = input.closest("[data-contact-picker], .case-contact, .contact-switch") || document;
    return scope.querySelector("[data-contact-suggestions]");
  }

  function suggest(input) {
    const results = resultsFor(input);
    const url = input.dataset.suggestUrl;
    if (!results || !url || !window.htmx) return;
    const query = input.value.trim();
    if (query.length < 2) { results.replaceChildren(); return; }
    const separator = url.includes("?") ? "&" : "?";
    htmx.ajax("GET", url + separator + "q=" + encodeURIComponent(query), { target: results, swap: "innerHTML" });
  }

  function announce(from, id, name) {
    if (!id) return;
    const target = (from && from.isConnected ? from : null) || document.querySelector("[data-contact-picker], #case-contact") || document;
    target.dispatchEvent(new CustomEvent("cases:contact-picked", { bubbles: true, detail: { id: String(id), name: name || "" } }));
  }

  document.addEventListener("input", (event) => {
    const input = event.target.closest && event.target.closest("[data-contact-search]");
    if (!input) return;
    clearTimeout(timer);
    timer = setTimeout(() => suggest(input), DELAY);
  });

  document.addEventListener("keydown", (event) => {
    const input = event.target.closest && event.target.closest("[data-contact-search]");
    if (input) {
      if (event.key === "Enter") event.preventDefault(); // pick from the list, do not submit
      if (event.key === "ArrowDown") {
        const first = resultsFor(input) && resultsFor(input).querySelector("button[data-contact-id]");
        if (first) { event.preventDefault(); first.focus(); }
      }
      return;
    }
    const option = event.target.closest && event.target.closest("[data-contact-suggestions] button[data-contact-id]");
    if (option && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      const all = Array.from(option.closest("[data-contact-suggestions]").querySelectorAll("button[data-contact-id]"));
      const next = all[all.indexOf(option) + (event.key === "ArrowDown" ? 1 : -1)];
      if (next) { event.preventDefault(); next.focus(); }
    }
  });

  document.addEventListener("click", (event) => {
    const option = event.target.closest("[data-contact-suggestions] button[data-contact-id]");
    if (option) {
      const results = option.closest("[data-contact-suggestions]");
      announce(results, option.dataset.contactId, option.dataset.contactName || option.textContent.trim());
      results.replaceChildren();
      return;
    }
    const opener = event.target.closest("[data-contact-new]");
    if (opener) {
      const dialog = document.getElementById("contact-dialog");
      const body = document.getElementById("contact-dialog-body");
      if (!dialog || !body) return;
      lastOpener = opener;
      dialog.showModal();
      if (window.htmx && body.dataset.src) htmx.ajax("GET", body.dataset.src, { target: body, swap: "innerHTML" });
      return;
    }
    if (event.target.closest("#contact-dialog [data-dialog-close]")) {
      document.getElementById("contact-dialog").close();
    }
  });

  // Typed before this script ran (a slow line, a fast typist): suggest for what is already there.
  function suggestTypedEarly() {
    const input = document.activeElement && document.activeElement.closest && document.activeElement.closest("[data-contact-search]");
    if (input && input.value.trim().length >= 2) suggest(input);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", suggestTypedEarly);
  else suggestTypedEarly();

  // contacts:create answers a successful save with HX-Trigger {"contactCreated": {...}}.
  document.addEventListener("contactCreated", (event) => {
    const detail = event.detail || {};
    const value = detail.value && typeof detail.value === "object" ? detail.value : detail;
    const id = value.id || value.contact_id || (typeof detail.value !== "object" ? detail.value : "");
    const name = value.name || value.display_name || "";
    const dialog = document.getElementById("contact-dialog");
    if (dialog && dialog.open) dialog.close();
    announce(lastOpener, id, name);
  });
})();
