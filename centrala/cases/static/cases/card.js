/* The case card (CASE-02..13) and "no lost work" (BEY-04).

   The card (#case-card) is replaced by htmx after every save; handlers are delegated from document
   and look the card up again each time. While the user types, the card's values are kept as a
   draft: in localStorage at once (survives being offline) and on the server after a short pause
   (survives a closed browser, follows the user to another computer). */
(function () {
  "use strict";
  const DRAFT_DELAY = 700;
  const HEADER = new Set(["subject", "campaign", "status", "callback_at", "owner", "priority", "contact"]);
  const BASE = new Set(["version", "original"]);

  const state = {
    baseline: null, // the values as loaded or last saved, to tell whether anything changed
    baselineEntries: [],
    timer: null, // a pending draft push
    inflight: null, // a draft push on its way
    closing: false, // the user chose to leave: no more questions, no more drafts
    lastEntries: null, // the last values seen (the Form tab can be away while its form is edited)
  };

  const card = () => document.getElementById("case-card");
  const caseForm = () => document.getElementById("case-form");
  const isValueName = (name) => HEADER.has(name) || BASE.has(name) || name.startsWith("form.");

  function localKey(c) {
    return "centrala.case-draft." + (document.body.dataset.userId || "") + "." + c.dataset.caseId;
  }

  // --- values ---------------------------------------------------------------------------------
  function entries() {
    const form = caseForm();
    if (!form) return [];
    const list = [];
    new FormData(form).forEach((value, name) => {
      if (typeof value === "string" && isValueName(name)) list.push([name, value]);
    });
    // While the form editor has replaced the Form tab, its inputs are gone: keep their last values.
    if (!document.querySelector("#form-tab [data-form-fields]") && state.lastEntries) {
      for (const entry of state.lastEntries) if (entry[0].startsWith("form.")) list.push(entry);
    }
    return list;
  }

  // Order-free, so a Form tab that came back (from the form editor) compares equal.
  const valuesKey = (list) => JSON.stringify(list.filter(([name]) => !BASE.has(name)).map((e) => e.join("\u0000")).sort());

  function isDirty() {
    const c = card();
    if (!c || state.closing) return false;
    if (c.dataset.dirty === "1") return true;
    return state.baseline !== null && valuesKey(entries()) !== state.baseline;
  }

  function applyEntries(list) {
    const form = caseForm();
    if (!form) return;
    const wanted = new Map();
    for (const [name, value] of list) {
      if (!wanted.has(name)) wanted.set(name, []);
      wanted.get(name).push(value);
    }
    const contact = form.elements.namedItem("contact");
    const contactBefore = contact && contact.value;
    for (const element of form.elements) {
      const values = wanted.get(element.name);
      if (!values || element.dataset.marker !== undefined || element.disabled) continue;
      if (element.type === "checkbox" || element.type === "radio") element.checked = values.includes(element.value);
      else if (element.type === "select-multiple") for (const option of element.options) option.selected = values.includes(option.value);
      else if (element.name !== "campaign") element.value = values[0];
    }
    const status = document.getElementById("case-status");
    if (status) showStatus(status);
    for (const name of wanted.keys()) if (name.startsWith("form.")) updateHeaderValue(name);
    if (contact && contact.value !== contactBefore) loadContact(contact.value);
  }

  // --- drafts ---------------------------------------------------------------------------------
  function readLocal(c) {
    try { return JSON.parse(localStorage.getItem(localKey(c))); } catch (e) { return null; }
  }
  function writeLocal(c, list, synced) {
    try { localStorage.setItem(localKey(c), JSON.stringify({ entries: list, at: Date.now(), synced })); } catch (e) { /* full or private */ }
  }
  function markSynced(c, list) {
    const local = readLocal(c);
    if (local && JSON.stringify(local.entries) === JSON.stringify(list)) writeLocal(c, list, true);
  }
  function clearLocal(c) {
    try { localStorage.removeItem(localKey(c)); } catch (e) { /* ignore */ }
  }

  function draftBody(list, withToken) {
    const body = new URLSearchParams();
    for (const [name, value] of list) if (name !== "campaign") body.append(name, value);
    if (withToken) body.append("csrfmiddlewaretoken", Centrala.csrfToken());
    return body;
  }

  function indicate(kind) {
    const c = card();
    const label = c && c.querySelector("[data-draft-state]");
    if (label) label.textContent = kind ? label.dataset[kind] || "" : "";
  }

  function changed() {
    const c = card();
    if (!c || state.closing) return;
    state.lastEntries = entries();
    if (isDirty()) writeLocal(c, state.lastEntries, false);
    clearTimeout(state.timer);
    state.timer = setTimeout(pushDraft, DRAFT_DELAY);
  }

  function pushDraft() {
    clearTimeout(state.timer);
    state.timer = null;
    const c = card();
    if (!c || state.closing) return Promise.resolve();
    const list = entries();
    const dirty = isDirty();
    // Back to what is saved: nothing to keep.
    const body = dirty ? draftBody(list, false) : new URLSearchParams({ discard: "1" });
    if (!dirty) clearLocal(c);
    const request = fetch(c.dataset.draftUrl, {
      method: "POST", body, credentials: "same-origin", headers: { "X-CSRFToken": Centrala.csrfToken() },
    })
      .then((response) => {
        if (!response.ok) throw new Error(String(response.status));
        if (dirty) { markSynced(c, list); indicate("saved"); } else indicate("");
      })
      .catch(() => { if (dirty) indicate("local"); })
      .finally(() => { if (state.inflight === request) state.inflight = null; });
    state.inflight = request;
    return request;
  }

  function discardDraft() {
    const c = card();
    clearTimeout(state.timer);
    state.timer = null;
    if (!c) return Promise.resolve();
    clearLocal(c);
    return fetch(c.dataset.draftUrl, {
      method: "POST", body: new URLSearchParams({ discard: "1" }), credentials: "same-origin",
      headers: { "X-CSRFToken": Centrala.csrfToken() },
    }).catch(() => {});
  }

  // Leaving with a pending draft: send it in a way that survives the page going away.
  function flushOnExit() {
    const c = card();
    if (!c || state.closing || !state.timer) return;
    clearTimeout(state.timer);
    state.timer = null;
    if (isDirty()) navigator.sendBeacon(c.dataset.draftUrl, draftBody(entries(), true));
  }

  window.addEventListener("beforeunload", (event) => {
    if (!isDirty()) return;
    flushOnExit();
    event.preventDefault();
    event.returnValue = "";
  });
  window.addEventListener("pagehide", flushOnExit);
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") flushOnExit(); });

  // --- closing (CASE-09) ------------------------------------------------------------------------
  function closeCard() {
    const c = card();
    state.closing = true;
    Centrala.tabs.close(c ? c.dataset.cardUrl : location.pathname);
  }

  function discardAndClose() {
    state.closing = true;
    discardDraft().finally(closeCard);
  }

  document.addEventListener("centrala:tab-close", (event) => {
    const c = card();
    if (!c || event.detail.url !== c.dataset.cardUrl || state.closing) return;
    if (isDirty()) {
      event.preventDefault();
      document.getElementById("close-dialog").showModal();
    } else {
      state.closing = true;
      clearLocal(c);
    }
  });

  function onCloseDialog(dialog) {
    const choice = dialog.returnValue;
    dialog.returnValue = "";
    if (choice === "save") card().querySelector("[data-save-close]").click();
    else if (choice === "discard") discardAndClose();
  }

  // Someone else saved and the user asked to see it (cases/presence.js). Without unsaved changes
  // the page reloads; with them, the card shows their values beside the user's (the conflict
  // panel), so nothing typed is lost and nothing of theirs is overwritten unseen.
  document.addEventListener("centrala:case-refresh", (event) => {
    const c = card();
    if (!c || Number(event.detail.case_id) !== Number(c.dataset.caseId)) return;
    event.preventDefault();
    if (!isDirty() || !window.htmx) {
      flushOnExit();
      state.closing = true;
      location.reload();
      return;
    }
    htmx.ajax("POST", caseForm().getAttribute("hx-post"), {
      source: caseForm(), target: "#case-card", swap: "outerHTML", values: { refresh: "1" },
    });
  });

  // --- campaign, status, form buttons -------------------------------------------------------------
  function showStatus(select) {
    const option = select.selectedOptions[0];
    for (const name of Array.from(select.classList)) if (name.startsWith("status-type-")) select.classList.remove(name);
    if (option) select.classList.add("status-type-" + option.dataset.type);
    const field = document.querySelector("[data-callback-field]");
    if (field) field.hidden = !(option && option.dataset.callbackRule === "picked");
  }

  function askCampaign(select) {
    const dialog = document.getElementById("campaign-dialog");
    const option = select.selectedOptions[0];
    dialog.querySelector("[data-campaign-name]").textContent = option ? option.textContent : "";
    dialog.querySelector("[data-campaign-status]").textContent = option ? option.dataset.initialStatus : "";
    dialog.returnValue = "";
    dialog.showModal();
  }

  function onCampaignDialog(dialog) {
    const select = document.getElementById("case-campaign");
    const confirmed = dialog.returnValue === "confirm";
    dialog.returnValue = "";
    if (!select) return;
    if (!confirmed) {
      select.value = select.dataset.previous;
      changed();
      return;
    }
    const confirmInput = caseForm().querySelector("[data-confirm-campaign]");
    if (confirmInput) confirmInput.value = "1";
    card().querySelector("[data-save]").click();
  }

  function pressStatusButton(button) {
    const select = document.getElementById("case-status");
    if (!select) return;
    select.value = button.dataset.setsStatus;
    showStatus(select);
    changed();
    const option = select.selectedOptions[0];
    if (option && option.dataset.callbackRule === "picked") {
      const input = document.getElementById("case-callback");
      if (input) input.focus(); // the agent picks the time, then saves
      return;
    }
    card().querySelector("[data-save]").click();
  }

  // --- header extra fields (CASE-10) ---------------------------------------------------------------
  function displayOf(name) {
    const form = caseForm();
    const extra = document.querySelector("[data-extra-fields]");
    const inputs = Array.from(form.elements).filter((e) => e.name === name && e.dataset.marker === undefined);
    if (!inputs.length) return null;
    const first = inputs[0];
    if (first.tagName === "SELECT") return first.value ? first.selectedOptions[0].textContent.trim() : "";
    if (first.type === "checkbox" && inputs.length === 1) return first.checked ? extra.dataset.yes : extra.dataset.no;
    if (first.type === "checkbox") {
      return inputs.filter((e) => e.checked).map((e) => e.parentElement.textContent.trim()).join(", ");
    }
    if (first.type === "datetime-local") return first.value.replace("T", " ");
    return first.value;
  }

  function updateHeaderValue(name) {
    const field = document.querySelector('[data-header-field="' + CSS.escape(name) + '"] [data-header-value]');
    if (!field) return;
    const text = displayOf(name);
    if (text !== null) field.textContent = text || "—";
  }

  function measureExtra(c) {
    const box = c.querySelector("[data-extra-fields]");
    const toggle = c.querySelector("[data-extra-toggle]");
    if (!box || !toggle) return;
    const expanded = box.classList.contains("expanded");
    box.classList.remove("expanded");
    const overflows = box.scrollHeight > box.clientHeight + 2;
    box.classList.toggle("expanded", expanded);
    toggle.hidden = !overflows;
  }

  function toggleExtra(toggle) {
    const box = card().querySelector("[data-extra-fields]");
    const expanded = box.classList.toggle("expanded");
    toggle.setAttribute("aria-expanded", String(expanded));
    toggle.textContent = expanded ? toggle.dataset.less : toggle.dataset.more;
  }

  function runAction(element, event) {
    const action = element.dataset.headerAction;
    if (action === "edit") {
      event.preventDefault();
      showTab("form");
      const input = Array.from(caseForm().elements).find((e) => e.name === element.dataset.field && e.dataset.marker === undefined);
      if (input) { input.scrollIntoView({ block: "center" }); input.focus(); }
      return;
    }
    // Channels (telephony, e-mail, SMS) may take the action over; otherwise the link is followed.
    const detail = { action, href: element.getAttribute("href"), caseId: Number(card().dataset.caseId), field: element.dataset.field };
    if (!document.dispatchEvent(new CustomEvent("centrala:case-action", { detail, cancelable: true }))) event.preventDefault();
  }

  // --- tabs ---------------------------------------------------------------------------------------
  const tabKey = (c) => "centrala.case-tab." + c.dataset.caseId;

  function showTab(name) {
    const c = card();
    if (!c) return;
    for (const tab of c.querySelectorAll("[role=tab][data-tab]")) {
      const selected = tab.dataset.tab === name;
      tab.setAttribute("aria-selected", String(selected));
      document.getElementById(tab.getAttribute("aria-controls")).hidden = !selected;
    }
    try { sessionStorage.setItem(tabKey(c), name); } catch (e) { /* ignore */ }
    const panel = document.getElementById("activities-tab");
    if (name === "activities" && panel && panel.dataset.src && !panel.dataset.loaded && window.htmx) {
      panel.dataset.loaded = "1";
      htmx.ajax("GET", panel.dataset.src, { target: panel, swap: "innerHTML" });
    }
  }

  // --- contact ------------------------------------------------------------------------------------
  function loadContact(id) {
    const c = card();
    if (!c || !window.htmx) return;
    htmx.ajax("GET", c.dataset.contactPanelUrl + "?contact=" + encodeURIComponent(id), { target: "#case-contact", swap: "innerHTML" });
  }

  document.addEventListener("cases:contact-picked", (event) => {
    if (!card()) return;
    const input = caseForm().elements.namedItem("contact");
    if (input) input.value = event.detail.id;
    loadContact(event.detail.id);
  });

  // --- spam and copying (CASE-02, CASE-12, CASE-13) ------------------------------------------------
  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise((resolve, reject) => {
      const area = document.createElement("textarea");
      area.value = text;
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      const ok = document.execCommand("copy");
      area.remove();
      if (ok) resolve(); else reject(new Error("copy"));
    });
  }

  function setSpam(button) {
    const c = card();
    const version = caseForm().elements.namedItem("version");
    const body = new URLSearchParams({ spam: button.dataset.spam, version: version.value });
    fetch(c.dataset.spamUrl, { method: "POST", body, credentials: "same-origin", headers: { "X-CSRFToken": Centrala.csrfToken() } })
      .then((response) => response.json().then((data) => ({ ok: response.ok, data })))
      .then(({ ok, data }) => {
        if (!ok) { Centrala.toast(data.detail || "", "error"); return; }
        // Only the spam mark changed: the user's edits stay valid against the new version.
        version.value = String(data.version);
        c.dataset.version = String(data.version);
        syncPresence(c);
        c.querySelector("[data-spam-badge]").hidden = !data.is_spam;
        c.querySelector('[data-spam="1"]').hidden = data.is_spam;
        c.querySelector('[data-spam="0"]').hidden = !data.is_spam;
        const menu = button.closest("details");
        if (menu) menu.removeAttribute("open");
        Centrala.toast(data.message);
        if (isDirty()) changed();
      })
      .catch(() => Centrala.toast(c.dataset.saveFailedLabel, "error"));
  }

  function syncPresence(c) {
    const presence = document.getElementById("case-presence");
    if (presence) presence.dataset.version = c.dataset.version;
  }

  // --- events ---------------------------------------------------------------------------------------
  document.addEventListener("click", (event) => {
    const c = card();
    if (!c) return;
    const target = event.target;
    let element;
    if ((element = target.closest("[data-copy-number]"))) {
      copy(element.dataset.copyNumber).then(() => Centrala.toast(c.dataset.copiedLabel), () => {});
    } else if ((element = target.closest("[data-copy-link]"))) {
      copy(new URL(element.dataset.copyLink, location.origin).href).then(() => Centrala.toast(c.dataset.linkCopiedLabel), () => {});
      const menu = element.closest("details");
      if (menu) menu.removeAttribute("open");
    } else if ((element = target.closest("[data-spam]"))) {
      setSpam(element);
    } else if (target.closest("[data-close-card]")) {
      Centrala.tabs.close(c.dataset.cardUrl);
    } else if (target.closest("[data-close-discard]") && c.contains(target)) {
      discardAndClose();
    } else if (target.closest("[data-discard-draft], [data-take-theirs]")) {
      state.closing = true;
      discardDraft().finally(() => location.reload());
    } else if ((element = target.closest("[data-sets-status]"))) {
      pressStatusButton(element);
    } else if ((element = target.closest("[data-header-action]"))) {
      runAction(element, event);
    } else if ((element = target.closest("[data-extra-toggle]"))) {
      toggleExtra(element);
    } else if ((element = target.closest("[role=tab][data-tab]"))) {
      showTab(element.dataset.tab);
    } else if ((element = target.closest("[data-contact-switch]"))) {
      const panel = c.querySelector("[data-contact-switch-panel]");
      panel.hidden = !panel.hidden;
      element.setAttribute("aria-expanded", String(!panel.hidden));
      if (!panel.hidden) panel.querySelector("[data-contact-search]").focus();
    } else if ((element = target.closest("[data-save], [data-save-close]"))) {
      // The submit goes on (htmx); nothing typed after it should become a draft of the old version.
      clearTimeout(state.timer);
      state.timer = null;
    }
  });

  document.addEventListener("input", (event) => {
    const element = event.target;
    if (!card() || !element.form || element.form !== caseForm() || !isValueName(element.name)) return;
    if (element.name.startsWith("form.")) updateHeaderValue(element.name);
    changed();
  });

  document.addEventListener("change", (event) => {
    const element = event.target;
    if (!card() || !element.form || element.form !== caseForm()) return;
    if (element.id === "case-campaign") { askCampaign(element); return; }
    if (element.id === "case-status") showStatus(element);
    if (element.name && element.name.startsWith("form.")) updateHeaderValue(element.name);
    if (isValueName(element.name)) changed();
  });

  document.addEventListener("focusin", (event) => {
    if (event.target.id === "case-campaign") event.target.dataset.previous = event.target.value;
  });

  // A save waits for a draft push on its way, so the push cannot land after the save and revive
  // a draft of what was just saved.
  document.addEventListener("htmx:confirm", (event) => {
    if (event.detail.elt !== caseForm()) return;
    clearTimeout(state.timer);
    state.timer = null;
    if (state.inflight) {
      event.preventDefault();
      state.inflight.finally(() => event.detail.issueRequest(true));
    }
  });

  document.addEventListener("htmx:beforeSwap", (event) => {
    const detail = event.detail;
    const from = detail.requestConfig && detail.requestConfig.elt;
    if (from && from === caseForm() && (detail.xhr.status === 400 || detail.xhr.status === 409)) {
      detail.shouldSwap = true; // the card with errors or the conflict panel
      detail.isError = false;
    }
    if (detail.target && detail.target.id === "form-tab") state.lastEntries = entries();
  });

  document.addEventListener("htmx:responseError", (event) => {
    const c = card();
    if (c && event.detail.elt === caseForm()) Centrala.toast(c.dataset.saveFailedLabel, "error");
  });
  document.addEventListener("htmx:sendError", (event) => {
    const c = card();
    if (c && event.detail.elt === caseForm()) Centrala.toast(c.dataset.saveFailedLabel, "error");
  });

  document.addEventListener("htmx:load", (event) => {
    const element = event.target;
    if (element.id === "case-card") afterSave(element);
    else if (element.id === "form-tab" && element.querySelector("[data-form-fields]")) afterFormTab(element);
    else if (element.parentElement && element.parentElement.id === "case-contact") changed();
  });

  document.addEventListener("close", (event) => {
    if (event.target.id === "close-dialog") onCloseDialog(event.target);
    else if (event.target.id === "campaign-dialog") onCampaignDialog(event.target);
  }, true);

  // --- (re)starting a card ---------------------------------------------------------------------------
  function start(c) {
    state.baselineEntries = entries();
    state.baseline = valuesKey(state.baselineEntries);
    state.lastEntries = entries();
    const status = document.getElementById("case-status");
    if (status) showStatus(status);
    const campaign = document.getElementById("case-campaign");
    if (campaign) campaign.dataset.previous = campaign.value;
    measureExtra(c);
    let tab = "form";
    try { tab = sessionStorage.getItem(tabKey(c)) || "form"; } catch (e) { /* ignore */ }
    showTab(tab);
    syncPresence(c);
  }

  function afterSave(c) {
    start(c);
    const outcome = c.dataset.outcome;
    if (outcome === "saved") {
      clearLocal(c);
      indicate("");
      Centrala.toast(c.dataset.savedLabel);
      // The tab in the top bar follows a new contact name.
      const tab = Centrala.tabs.list().find((t) => t.url === c.dataset.cardUrl);
      if (tab && tab.title !== c.dataset.tabTitle) Centrala.tabs.open(c.dataset.cardUrl, c.dataset.tabTitle, { source: c.dataset.source });
      document.dispatchEvent(new CustomEvent("cases:saved", { detail: { caseId: Number(c.dataset.caseId), version: Number(c.dataset.version) } }));
      if (c.dataset.then === "close") closeCard();
    } else if (outcome === "invalid" || outcome === "conflict") {
      writeLocal(c, entries(), true); // the server kept exactly this as the draft
      const panel = c.querySelector("[data-conflict], [data-error-summary]");
      if (panel) panel.focus();
    }
  }

  // The Form tab came back (from the form editor): the saved values are shown, put the typed ones back.
  function afterFormTab(panel) {
    const selected = document.getElementById("case-tab-form");
    if (selected) panel.hidden = selected.getAttribute("aria-selected") !== "true";
    const typed = state.lastEntries;
    // The saved values of the form as it is now (fields may have been added) beside the saved
    // header values: what "unchanged" means from now on.
    const fresh = entries().filter(([name]) => name.startsWith("form."));
    state.baselineEntries = state.baselineEntries.filter(([name]) => !name.startsWith("form.")).concat(fresh);
    state.baseline = valuesKey(state.baselineEntries);
    if (typed) applyEntries(typed.filter(([name]) => name.startsWith("form.")));
    state.lastEntries = entries();
  }

  function restoreLocal(c) {
    const local = readLocal(c);
    if (!local || !Array.isArray(local.entries)) return;
    if (local.synced) {
      // The server had it; no server draft now means it was saved or discarded since.
      if (c.dataset.hasDraft !== "1") clearLocal(c);
      return;
    }
    applyEntries(local.entries);
    c.dataset.dirty = "1";
    c.querySelector("[data-draft-notice]").hidden = false;
    changed();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const c = card();
    if (!c) return;
    start(c);
    restoreLocal(c);
    if (window.Centrala && Centrala.tabs) Centrala.tabs.open(c.dataset.cardUrl, c.dataset.tabTitle, { source: c.dataset.source });
    window.addEventListener("resize", () => { const current = card(); if (current) measureExtra(current); });
  });
})();
