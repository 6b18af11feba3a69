/* Contact pages: copy on click, the card's top-bar tab, adding and removing phone/e-mail rows.
   Everything is delegated from document, so forms loaded later by htmx (the case card's "new
   contact" dialog) work too: a page that shows them only has to load this file. */
(function () {
  "use strict";
  const Centrala = (window.Centrala = window.Centrala || {});
  // Pages may load this file twice (the page itself and the included contact actions).
  if (Centrala.contactsReady) return;
  Centrala.contactsReady = true;

  function copy(button) {
    const text = button.dataset.copy;
    const done = () => Centrala.toast && Centrala.toast((button.dataset.copied || "Copied") + ": " + text);
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, () => fallbackCopy(text, done));
    } else {
      fallbackCopy(text, done);
    }
  }

  // Plain-HTTP pages (a developer's machine) have no clipboard API.
  function fallbackCopy(text, done) {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); done(); } catch (e) { /* nothing to do */ }
    area.remove();
  }

  function addRow(button) {
    const group = button.closest("[data-rows]");
    const template = group && group.querySelector("template[data-row-template]");
    const list = group && group.querySelector("[data-row-list]");
    if (!template || !list) return;
    const row = template.content.firstElementChild.cloneNode(true);
    list.appendChild(row);
    const input = row.querySelector("input");
    if (input) input.focus();
  }

  function removeRow(button) {
    const row = button.closest("[data-row]");
    const list = row && row.closest("[data-row-list]");
    if (!row || !list) return;
    if (list.querySelectorAll("[data-row]").length > 1) {
      row.remove();
    } else {
      // Keep one (empty) row so there is always a place to type.
      for (const input of row.querySelectorAll("input")) input.value = "";
      for (const error of row.querySelectorAll(".field-error")) error.remove();
      row.classList.remove("has-error");
    }
    // The live duplicate check listens for changes.
    list.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.addEventListener("click", (event) => {
    const copyButton = event.target.closest("[data-copy]");
    if (copyButton) { copy(copyButton); return; }
    const add = event.target.closest("[data-add-row]");
    if (add) { addRow(add); return; }
    const remove = event.target.closest("[data-remove-row]");
    if (remove) removeRow(remove);
  });

  document.addEventListener("DOMContentLoaded", () => {
    const card = document.querySelector("[data-card-tab]");
    if (card && Centrala.tabs) Centrala.tabs.open(card.dataset.tabUrl, card.dataset.tabTitle);
  });
})();
