/* The working lists (VIEW-01..03): column widths, order and visibility, row height, filter chips,
   "Save as tab" with the current filter, "select all on this page", and live lists.

   The page (templates/worklists/list.html) is one [data-worklist]; its results (#list-results:
   the count, the table and the pager) are replaced by htmx when a filter changes, so everything
   here is delegated from document and re-applied after each swap. Layout changes are POSTed as
   JSON to the list's data-layout-url and the results are then reloaded from the server, so what
   the user sees is what the next visit shows. Server events never move rows: they count the
   changed cases in a "N changes — show" banner, and the user decides when to reload. */
(() => {
  "use strict";

  const MIN_WIDTH = 50;
  const MAX_WIDTH = 900;
  const SELECT_WIDTH = 36; // the checkbox column

  const root = () => document.querySelector("[data-worklist]");
  const results = () => document.getElementById("list-results");
  const table = () => document.querySelector("[data-list-table]");
  const filterForm = () => document.querySelector("[data-list-filters]");

  function csrfToken() {
    if (window.Centrala && typeof Centrala.csrfToken === "function" && Centrala.csrfToken()) return Centrala.csrfToken();
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function toast(text, kind) {
    if (!text) return;
    if (window.Centrala && Centrala.toast) Centrala.toast(text, kind || "");
  }

  function message(name) {
    const element = root();
    return (element && element.dataset[name]) || "";
  }

  // --- the layout: [{key, width, visible}] of every column in the user's order ----------------
  let layout = [];

  function readLayout() {
    const element = root();
    if (!element) return;
    try {
      const parsed = JSON.parse(element.dataset.layout || "[]");
      if (Array.isArray(parsed)) layout = parsed.filter((item) => item && typeof item.key === "string");
    } catch (e) {
      layout = [];
    }
  }

  const entry = (key) => layout.find((item) => item.key === key);
  const clampWidth = (value) => Math.max(MIN_WIDTH, Math.min(MAX_WIDTH, Math.round(value)));

  // Saves of one kind go one after another, so an older layout never lands after a newer one;
  // keepalive lets a save finish when the user leaves the page right after a change.
  const saving = {};
  function saveLayout(data) {
    const element = root();
    if (!element || !element.dataset.layoutUrl) return Promise.resolve(false);
    const kind = Object.keys(data).sort().join(",");
    saving[kind] = (saving[kind] || Promise.resolve(true)).then(() => fetch(element.dataset.layoutUrl, {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(data),
    }).then((response) => {
      if (response.ok) return true;
      return response.json().catch(() => ({})).then((body) => {
        toast(body.detail || message("msgSaveFailed"), "error");
        return false;
      });
    }).catch(() => {
      toast(message("msgSaveFailed"), "error");
      return false;
    }));
    return saving[kind];
  }

  function saveColumns() {
    return saveLayout({ columns: layout.map((item) => ({ key: item.key, width: item.width, visible: item.visible })) });
  }

  // The results again, from the server (the same address, so filters, sort and page stay).
  function reloadResults() {
    if (!results() || !window.htmx) {
      location.reload();
      return Promise.resolve();
    }
    return htmx.ajax("GET", location.pathname + location.search, { target: "#list-results", swap: "outerHTML" });
  }

  // --- column widths ---------------------------------------------------------------------------
  // The table is laid out fixed: each column is as wide as the user made it. When the columns
  // are narrower than the page, the last one takes the rest, so the table always fills its panel.
  function applyWidths() {
    const element = table();
    if (!element) return;
    const cols = Array.from(element.querySelectorAll("colgroup col"));
    const sized = cols.filter((col) => col.dataset.col);
    let total = 0;
    for (const col of cols) {
      if (!col.dataset.col) {
        col.style.width = SELECT_WIDTH + "px";
        total += SELECT_WIDTH;
        continue;
      }
      const known = entry(col.dataset.col);
      const width = clampWidth(Number(col.dataset.width) || (known && known.width) || 140);
      col.dataset.width = String(width);
      col.style.width = width + "px";
      total += width;
    }
    const wrap = element.closest(".table-wrap");
    const room = wrap ? wrap.clientWidth : 0;
    if (sized.length && room > total) {
      sized[sized.length - 1].style.width = "auto";
      element.style.width = room + "px";
    } else {
      element.style.width = total + "px";
    }
  }

  let resizeObserver = null;
  function observeWrap() {
    const element = table();
    const wrap = element && element.closest(".table-wrap");
    if (!wrap || !window.ResizeObserver) return;
    if (resizeObserver) resizeObserver.disconnect();
    let last = wrap.clientWidth;
    resizeObserver = new ResizeObserver(() => {
      if (wrap.clientWidth !== last && !resizing) {
        last = wrap.clientWidth;
        applyWidths();
      }
    });
    resizeObserver.observe(wrap);
  }

  // --- resizing a column: drag the handle at the right edge of its header ----------------------
  let resizing = null;

  document.addEventListener("pointerdown", (event) => {
    const handle = event.target.closest("[data-col-resize]");
    if (!handle || event.button > 0) return;
    const th = handle.closest("th[data-col]");
    const element = table();
    const col = element && element.querySelector(`col[data-col="${CSS.escape(th.dataset.col)}"]`);
    if (!col) return;
    event.preventDefault();
    event.stopPropagation();
    // Every column gets its pixel width first, so the last one stops taking the rest.
    for (const each of element.querySelectorAll("colgroup col[data-col]")) {
      const header = element.querySelector(`th[data-col="${CSS.escape(each.dataset.col)}"]`);
      if (header && each.style.width === "auto") each.style.width = header.getBoundingClientRect().width + "px";
    }
    resizing = {
      key: th.dataset.col, col, th, handle, pointerId: event.pointerId, startX: event.clientX,
      startWidth: th.getBoundingClientRect().width, width: null,
    };
    try { handle.setPointerCapture(event.pointerId); } catch (e) { /* a synthetic event */ }
    th.classList.add("resizing");
    document.body.classList.add("col-resizing");
  });

  document.addEventListener("pointermove", (event) => {
    if (!resizing || event.pointerId !== resizing.pointerId) return;
    event.preventDefault();
    const width = clampWidth(resizing.startWidth + event.clientX - resizing.startX);
    if (width === resizing.width) return;
    resizing.width = width;
    resizing.col.style.width = width + "px";
    const element = table();
    let total = 0;
    for (const col of element.querySelectorAll("colgroup col")) total += parseFloat(col.style.width) || 0;
    element.style.width = total + "px";
  });

  function endResize(event) {
    if (!resizing || event.pointerId !== resizing.pointerId) return;
    const done = resizing;
    resizing = null;
    done.th.classList.remove("resizing");
    document.body.classList.remove("col-resizing");
    try { done.handle.releasePointerCapture(done.pointerId); } catch (e) { /* already released */ }
    if (done.width === null) {
      applyWidths();
      return;
    }
    const item = entry(done.key);
    if (item) item.width = done.width;
    done.col.dataset.width = String(done.width);
    applyWidths();
    saveColumns();
  }
  document.addEventListener("pointerup", endResize);
  document.addEventListener("pointercancel", endResize);

  // A click that ends a resize must not sort by the column.
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-col-resize]")) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  // --- moving a column: drag its header onto another ------------------------------------------
  let dragKey = null;

  function clearDropMarks() {
    for (const th of document.querySelectorAll("th.drag-before, th.drag-after, th.dragging")) {
      th.classList.remove("drag-before", "drag-after", "dragging");
    }
  }

  // Where `key` lands when dropped on `target`: after it when moving right, before it when moving left.
  function movingRight(key, target) {
    const keys = layout.map((item) => item.key);
    return keys.indexOf(key) < keys.indexOf(target);
  }

  function moveColumn(key, target, after) {
    const from = layout.findIndex((item) => item.key === key);
    if (from < 0 || key === target) return false;
    const [item] = layout.splice(from, 1);
    let to = layout.findIndex((each) => each.key === target);
    if (to < 0) {
      layout.splice(from, 0, item);
      return false;
    }
    if (after) to += 1;
    layout.splice(to, 0, item);
    return true;
  }

  document.addEventListener("dragstart", (event) => {
    const th = event.target.closest && event.target.closest("[data-list-table] th[data-col][draggable]");
    if (!th) return;
    if (resizing || event.target.closest("[data-col-resize]")) {
      event.preventDefault();
      return;
    }
    dragKey = th.dataset.col;
    th.classList.add("dragging");
    if (event.dataTransfer) {
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragKey);
    }
  });

  document.addEventListener("dragover", (event) => {
    if (!dragKey) return;
    const th = event.target.closest && event.target.closest("[data-list-table] th[data-col]");
    if (!th || th.dataset.col === dragKey) return;
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = "move";
    const after = movingRight(dragKey, th.dataset.col);
    if (!th.classList.contains(after ? "drag-after" : "drag-before")) {
      for (const other of document.querySelectorAll("th.drag-before, th.drag-after")) other.classList.remove("drag-before", "drag-after");
      th.classList.add(after ? "drag-after" : "drag-before");
    }
  });

  document.addEventListener("dragleave", (event) => {
    const th = event.target.closest && event.target.closest("th[data-col]");
    if (th && !th.contains(event.relatedTarget)) th.classList.remove("drag-before", "drag-after");
  });

  document.addEventListener("drop", (event) => {
    if (!dragKey) return;
    const th = event.target.closest && event.target.closest("[data-list-table] th[data-col]");
    const key = dragKey;
    dragKey = null;
    clearDropMarks();
    if (!th || th.dataset.col === key) return;
    event.preventDefault();
    if (moveColumn(key, th.dataset.col, movingRight(key, th.dataset.col))) {
      reorderChooser();
      saveColumns().then((saved) => { if (saved) reloadResults(); });
    }
  });

  document.addEventListener("dragend", () => {
    dragKey = null;
    clearDropMarks();
  });

  // --- the Columns menu: show or hide a column, move it up or down ------------------------------
  function reorderChooser() {
    const chooser = document.querySelector("[data-column-chooser]");
    if (!chooser) return;
    const anchor = chooser.querySelector("[data-column-item]");
    if (!anchor) return;
    const parent = anchor.parentElement;
    const hint = parent.querySelector(".hint");
    for (const item of layout) {
      const row = parent.querySelector(`[data-column-item="${CSS.escape(item.key)}"]`);
      if (row) parent.insertBefore(row, hint && hint.parentElement === parent ? hint : null);
    }
  }

  document.addEventListener("change", (event) => {
    const toggle = event.target.closest("[data-column-toggle]");
    if (!toggle) return;
    const item = entry(toggle.dataset.columnToggle);
    if (!item) return;
    if (!toggle.checked && layout.filter((each) => each.visible).length <= 1) {
      toggle.checked = true;
      toast(message("msgKeepOne"), "error");
      return;
    }
    item.visible = toggle.checked;
    saveColumns().then((saved) => {
      if (saved) reloadResults();
      else {
        item.visible = !toggle.checked;
        toggle.checked = item.visible;
      }
    });
  });

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-column-move]");
    if (!button) return;
    event.preventDefault();
    const row = button.closest("[data-column-item]");
    const key = row && row.dataset.columnItem;
    const index = layout.findIndex((item) => item.key === key);
    const step = Number(button.dataset.columnMove);
    const target = layout[index + step];
    if (index < 0 || !target) return;
    if (moveColumn(key, target.key, step > 0)) {
      reorderChooser();
      button.focus();
      saveColumns().then((saved) => { if (saved) reloadResults(); });
    }
  });

  // --- row height ---------------------------------------------------------------------------------
  document.addEventListener("change", (event) => {
    const select = event.target.closest("[data-row-height]");
    if (!select) return;
    const element = table();
    if (element) {
      element.classList.remove("rows-compact", "rows-normal", "rows-tall");
      element.classList.add("rows-" + select.value);
    }
    saveLayout({ row_height: select.value });
  });

  // --- filters: chips say what they filter; "Save as tab" and exports take the current filter ---
  function filterQuery() {
    const form = filterForm();
    if (!form) return results() ? results().dataset.query || "" : "";
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (typeof value === "string" && value !== "" && name !== "variant") params.append(name, value);
    }
    return params.toString();
  }

  function updateChips() {
    const form = filterForm();
    if (!form) return;
    for (const chip of form.querySelectorAll("[data-filter-chip]")) {
      let summary = "";
      if (chip.dataset.kind === "multi") {
        summary = Array.from(chip.querySelectorAll("input[type=checkbox]:checked"))
          .map((input) => (input.closest("label") || input).textContent.trim()).join(", ");
      } else {
        const preset = chip.querySelector("select");
        const dates = Array.from(chip.querySelectorAll("input[type=date]")).map((input) => input.value);
        if (preset && preset.value) summary = preset.options[preset.selectedIndex].textContent.trim();
        else if (dates.some(Boolean)) summary = dates.map((value) => value || "…").join(" – ");
      }
      if (summary.length > 60) summary = summary.slice(0, 60);
      chip.classList.toggle("active", Boolean(summary));
      const title = chip.querySelector("[data-filter-title]");
      if (!title) continue;
      title.textContent = chip.dataset.label + (summary ? ": " : "");
      if (summary) {
        const span = document.createElement("span");
        span.className = "summary";
        span.textContent = summary;
        title.appendChild(span);
      }
    }
    for (const input of form.querySelectorAll("[data-auto-submit-text]")) {
      const label = input.closest(".filter-text");
      if (label) label.classList.toggle("active", input.value.trim() !== "");
    }
  }

  function syncQuery() {
    const box = results();
    if (!box) return;
    const query = box.dataset.query || "";
    for (const input of document.querySelectorAll("[data-current-query]")) input.value = query;
    for (const link of document.querySelectorAll("a[data-export]")) {
      link.href = link.pathname + (query ? "?" + query : "");
    }
    for (const input of document.querySelectorAll("[data-return-query]")) input.value = location.search.replace(/^\?/, "");
    const clear = document.querySelector("[data-clear-filters]");
    if (clear) clear.hidden = box.dataset.filtered !== "1";
  }

  // The filter form, not the last answer: a search typed a moment ago counts too.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    const inputs = form.querySelectorAll("[data-current-query]");
    if (!inputs.length || !filterForm()) return;
    const query = filterQuery();
    for (const input of inputs) input.value = query;
  }, true);

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-export]");
    if (!link || !filterForm()) return;
    const query = filterQuery();
    link.href = link.pathname + (query ? "?" + query : "");
  }, true);

  document.addEventListener("change", (event) => {
    if (event.target.closest("[data-list-filters]")) updateChips();
  });

  // A multi-choice filter's page holds only its chosen values; every choice loads when its menu
  // first opens, checked as the form is now. The loaded boxes came after htmx read the form's
  // triggers, so their changes submit the form from here.
  function loadOptions(chip) {
    const body = chip.querySelector("[data-filter-options]");
    const form = filterForm();
    if (!body || !form || chip.dataset.optionsLoaded) return;
    chip.dataset.optionsLoaded = "loading";
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (typeof value === "string" && value !== "") params.append(name, value);
    }
    fetch(chip.dataset.optionsUrl + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then((response) => {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then((html) => {
        body.innerHTML = html;
        chip.dataset.optionsLoaded = "1";
      })
      .catch(() => {
        delete chip.dataset.optionsLoaded;
        toast(body.dataset.failed, "error");
      });
  }

  document.addEventListener("toggle", (event) => {
    const chip = event.target;
    if (chip instanceof HTMLDetailsElement && chip.open && chip.dataset.optionsUrl) loadOptions(chip);
  }, true);

  document.addEventListener("change", (event) => {
    if (!event.target.matches("[data-auto-submit-lazy]")) return;
    const form = event.target.closest("[data-list-filters]");
    if (form) form.requestSubmit();
  });

  // A list with a bad parameter answers 400 with its rows and the errors: show them.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail.target;
    if (target && target.id === "list-results" && event.detail.xhr && event.detail.xhr.status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // --- menus: one open at a time; a click elsewhere or Escape closes them -----------------------
  const MENUS = "[data-worklist] details.menu[open], [data-worklist] details.filter-button[open]";
  document.addEventListener("toggle", (event) => {
    const opened = event.target;
    if (!(opened instanceof HTMLDetailsElement) || !opened.open || !opened.closest("[data-worklist]")) return;
    for (const other of document.querySelectorAll(MENUS)) if (other !== opened && !other.contains(opened)) other.open = false;
  }, true);
  document.addEventListener("click", (event) => {
    for (const open of document.querySelectorAll(MENUS)) if (!open.contains(event.target)) open.open = false;
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    for (const open of document.querySelectorAll(MENUS)) {
      open.open = false;
      const summary = open.querySelector("summary");
      if (open.contains(document.activeElement) && summary) summary.focus();
    }
  });

  // --- selecting rows: "select all on this page" -------------------------------------------------
  function rowBoxes() {
    const box = results();
    return box ? Array.from(box.querySelectorAll("[data-select-row]")) : [];
  }

  function syncSelectPage() {
    const page = document.querySelector("[data-select-page]");
    const boxes = rowBoxes();
    for (const box of boxes) {
      const row = box.closest("tr");
      if (row) row.classList.toggle("selected", box.checked);
    }
    if (!page) return;
    const checked = boxes.filter((box) => box.checked).length;
    page.checked = boxes.length > 0 && checked === boxes.length;
    page.indeterminate = checked > 0 && checked < boxes.length;
  }

  document.addEventListener("change", (event) => {
    if (event.target.matches("[data-select-page]")) {
      const on = event.target.checked;
      for (const box of rowBoxes()) {
        if (box.checked === on || box.disabled) continue;
        box.checked = on;
        box.dispatchEvent(new Event("change", { bubbles: true }));
      }
      syncSelectPage();
    } else if (event.target.matches("[data-select-row]")) {
      syncSelectPage();
    }
  });

  // A click beside a row's checkbox ticks it (a bigger target on a tablet); a click elsewhere on
  // a row (not on a link, button or checkbox) opens it.
  document.addEventListener("click", (event) => {
    const row = event.target.closest("[data-list-table] tbody tr[data-row-url]");
    if (!row || event.defaultPrevented || event.button !== 0) return;
    const cell = event.target.closest("td.select-col");
    if (cell) {
      const box = cell.querySelector("[data-select-row]");
      if (box && event.target !== box && !box.disabled) box.click();
      return;
    }
    if (event.target.closest("a, button, input, select, textarea, label, summary")) return;
    const selection = window.getSelection && window.getSelection();
    if (selection && String(selection).trim()) return; // the user is selecting text to copy
    if (event.ctrlKey || event.metaKey) window.open(row.dataset.rowUrl, "_blank", "noopener");
    else location.assign(row.dataset.rowUrl);
  });

  // --- live lists: "N changes — show" -----------------------------------------------------------
  // Distinct changed ids since the results were loaded, each with the moment it was seen, so a
  // reload that was already under way when a change arrived does not swallow it.
  const changed = new Map();
  let tick = 0;
  let requestedAt = null;

  function idsOf(payload) {
    const ids = [];
    for (const name of ["cases", "items"]) {
      if (Array.isArray(payload[name])) {
        for (const item of payload[name]) ids.push(Array.isArray(item) ? item[0] : item);
      }
    }
    if (!ids.length) {
      for (const name of ["case_id", "contact_id", "activity_id", "id"]) {
        if (payload[name] !== undefined && payload[name] !== null) {
          ids.push(payload[name]);
          break;
        }
      }
    }
    return ids.map(Number).filter(Number.isInteger);
  }

  function bannerText(count) {
    const banner = document.querySelector("[data-live-banner]");
    if (!banner) return "";
    let category = "other";
    try {
      category = new Intl.PluralRules(document.documentElement.lang || undefined).select(count);
    } catch (e) {
      category = count === 1 ? "one" : "other";
    }
    const forms = { one: banner.dataset.one, few: banner.dataset.few, many: banner.dataset.many, other: banner.dataset.other };
    const template = forms[category] || forms.other || forms.many || "{n}";
    return template.split("{n}").join(String(count));
  }

  function markRows() {
    const box = results();
    if (!box) return;
    for (const row of box.querySelectorAll("tr[data-row-id]")) {
      row.classList.toggle("row-changed", changed.has(Number(row.dataset.rowId)));
    }
  }

  function showBanner() {
    const banner = document.querySelector("[data-live-banner]");
    if (!banner) return;
    const count = changed.size;
    banner.hidden = count === 0;
    const button = banner.querySelector("[data-live-show]");
    if (button) button.textContent = count ? bannerText(count) : "";
    banner.dataset.count = String(count);
  }

  function onLiveEvent(event) {
    const payload = event.detail || {};
    const me = document.body.dataset.userId;
    if (me && payload.by_user_id !== undefined && String(payload.by_user_id) === me) return; // already shown to its author
    const ids = idsOf(payload);
    if (!ids.length) return;
    tick += 1;
    for (const id of ids) changed.set(id, tick);
    markRows();
    showBanner();
  }

  function listenLive() {
    const element = root();
    if (!element) return;
    const types = (element.dataset.liveEvents || "").split(/\s+/).filter(Boolean);
    for (const type of new Set(types)) document.addEventListener("centrala:" + type, onLiveEvent);
  }

  document.addEventListener("click", (event) => {
    if (!event.target.closest("[data-live-show]")) return;
    event.preventDefault();
    reloadResults();
  });

  document.addEventListener("htmx:beforeRequest", (event) => {
    const target = event.detail.target;
    if (target && target.id === "list-results") requestedAt = tick;
  });

  // --- after the results are (re)loaded ------------------------------------------------------------
  let shownResults = null;
  function resultsLoaded() {
    const box = results();
    if (!box || box === shownResults) return;
    shownResults = box;
    if (requestedAt !== null) {
      for (const [id, seen] of changed) if (seen <= requestedAt) changed.delete(id);
      requestedAt = null;
    }
    applyWidths();
    observeWrap();
    syncQuery();
    syncSelectPage();
    markRows();
    showBanner();
  }
  document.addEventListener("htmx:afterSettle", resultsLoaded);
  document.addEventListener("htmx:afterSwap", resultsLoaded);
  // "Back" to an earlier filter: htmx puts the page it kept back; read it again.
  document.addEventListener("htmx:historyRestore", () => {
    readLayout();
    shownResults = null;
    changed.clear();
    updateChips();
    resultsLoaded();
  });

  function start() {
    if (!root()) return;
    readLayout();
    listenLive();
    updateChips();
    resultsLoaded();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
