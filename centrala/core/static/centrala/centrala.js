/* Centrala's small client: the live event socket, the bell, open-card tabs, the menu toggle.
   Pages listen for server events as DOM events: document.addEventListener("centrala:presence.changed", ...). */
(function () {
  "use strict";
  const Centrala = (window.Centrala = window.Centrala || {});

  function csrfToken() { return document.body.dataset.csrf || ""; }
  Centrala.csrfToken = csrfToken;

  // htmx requests carry the CSRF token (no inline script is allowed by our CSP).
  document.addEventListener("htmx:configRequest", (event) => {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  function toast(text, kind, href) {
    let stack = document.querySelector(".toast-stack");
    if (!stack) {
      stack = document.createElement("div");
      stack.className = "toast-stack";
      stack.setAttribute("role", "status");
      document.body.appendChild(stack);
    }
    const item = document.createElement(href ? "a" : "div");
    if (href) item.href = href;
    item.className = "toast" + (kind ? " " + kind : "");
    item.textContent = text;
    stack.appendChild(item);
    setTimeout(() => item.remove(), 6000);
  }
  Centrala.toast = toast;
  document.body.addEventListener("centrala:error", (event) => toast(event.detail.value || String(event.detail), "error"));

  // --- live events ---------------------------------------------------------------------
  let socket = null;
  let retry = 0;
  function connect() {
    const path = document.body.dataset.eventsUrl;
    if (!path) return;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(scheme + "//" + location.host + path);
    socket.addEventListener("open", () => { retry = 0; document.body.dataset.live = "on"; });
    // A ping a minute tells the server this page is still open (presence: idle users are signed out).
    const heartbeat = setInterval(() => {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "ping" }));
    }, 60000);
    socket.addEventListener("close", () => clearInterval(heartbeat));
    socket.addEventListener("message", (message) => {
      let event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (!event || typeof event.type !== "string") return;
      document.dispatchEvent(new CustomEvent("centrala:" + event.type, { detail: event.payload || {} }));
      // A bulk change is, for every page that follows one case, that case's update.
      if (event.type === "cases.bulk_updated" && Array.isArray((event.payload || {}).cases)) {
        for (const pair of event.payload.cases) {
          if (!Array.isArray(pair)) continue;
          document.dispatchEvent(new CustomEvent("centrala:case.updated", { detail: {
            case_id: pair[0], version: pair[1], changed: event.payload.changed || [],
            by_user_id: event.payload.by_user_id, by_name: event.payload.by_name || "", bulk: true,
          } }));
        }
      }
    });
    socket.addEventListener("close", (closed) => {
      document.body.dataset.live = "off";
      if (closed.code === 4401) return; // signed out: do not hammer the server
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 500 * 2 ** retry);
    });
  }
  Centrala.socket = () => socket;

  // --- the bell --------------------------------------------------------------------------
  let unreadChanges = 0; // events seen, so a slower count request cannot undo a newer event
  function setUnread(count) {
    unreadChanges += 1;
    const badge = document.getElementById("bell-count");
    if (!badge || typeof count !== "number") return;
    badge.textContent = String(count);
    badge.classList.toggle("empty", !count);
  }
  // An open panel is reloaded so it shows what the badge says (its response also resets the badge).
  function refreshOpenPanel() {
    const bell = document.getElementById("bell");
    if (bell && bell.open && window.htmx) {
      htmx.ajax("GET", bell.dataset.panelUrl, { target: "#bell-panel", swap: "innerHTML" });
    }
  }
  document.addEventListener("centrala:notification.created", (event) => {
    setUnread(event.detail.unread_count);
    toast(event.detail.title + (event.detail.body ? " — " + event.detail.body : ""), "", event.detail.url);
    refreshOpenPanel();
  });
  document.addEventListener("centrala:notification.unread", (event) => {
    setUnread(event.detail.unread_count);
    refreshOpenPanel();
  });
  // Events sent while the socket was down (or before it first opened) are lost: ask once connected.
  document.addEventListener("centrala:hello", () => {
    const bell = document.getElementById("bell");
    if (!bell || !bell.dataset.countUrl) return;
    const seen = unreadChanges;
    fetch(bell.dataset.countUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => { if (data && seen === unreadChanges) setUnread(data.unread_count); })
      .catch(() => {});
  });

  // --- presence: the top bar follows changes made in another tab ---------------------------
  document.addEventListener("centrala:presence.changed", (event) => {
    const me = Number(document.body.dataset.userId);
    if (event.detail.user_id !== me) return;
    const form = document.getElementById("presence-switch");
    if (!form) return;
    const select = form.querySelector("select");
    if (select && event.detail.status_id) select.value = String(event.detail.status_id);
    form.className = "presence-switch kind-" + (event.detail.kind || "off");
  });

  // --- open-card tabs in the top bar ---------------------------------------------------------
  // Cards (case, contact, ...) call Centrala.tabs.open(url, title); the list is kept per user.
  const tabsKey = () => "centrala.tabs." + (document.body.dataset.userId || "anon");
  function loadTabs() {
    try { return JSON.parse(localStorage.getItem(tabsKey())) || []; } catch (e) { return []; }
  }
  function saveTabs(tabs) { localStorage.setItem(tabsKey(), JSON.stringify(tabs.slice(-12))); }
  function renderTabs() {
    const bar = document.getElementById("card-tabs");
    if (!bar) return;
    bar.replaceChildren();
    for (const tab of loadTabs()) {
      const item = document.createElement("span");
      item.className = "card-tab";
      if (tab.url === location.pathname) item.setAttribute("aria-current", "page");
      const link = document.createElement("a");
      link.href = tab.url;
      link.textContent = tab.title;
      link.title = tab.title;
      if (tab.source && /^[a-z_]+$/.test(tab.source)) {
        // CASE-03: the case's source shows on its tab too.
        const icon = document.createElement("span");
        icon.className = "source-icon source-" + tab.source;
        icon.setAttribute("aria-hidden", "true");
        item.appendChild(icon);
      }
      const close = document.createElement("button");
      close.type = "button";
      close.textContent = "×";
      close.setAttribute("aria-label", "×");
      close.addEventListener("click", () => Centrala.tabs.close(tab.url));
      item.append(link, close);
      bar.appendChild(item);
    }
  }
  Centrala.tabs = {
    list: loadTabs,
    open(url, title, extra) {
      const tabs = loadTabs().filter((t) => t.url !== url);
      tabs.push({ url, title, source: extra && extra.source ? String(extra.source) : "" });
      saveTabs(tabs);
      renderTabs();
    },
    close(url) {
      // A card with unsaved changes may veto closing (it asks the user first).
      const veto = !document.dispatchEvent(new CustomEvent("centrala:tab-close", { detail: { url }, cancelable: true }));
      if (veto) return;
      saveTabs(loadTabs().filter((t) => t.url !== url));
      renderTabs();
      if (location.pathname === url) location.assign("/");
    },
  };

  // --- small page behaviours -----------------------------------------------------------------
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-toggle-menu]")) document.body.classList.toggle("menu-open");
    // Close open dropdowns when clicking elsewhere.
    for (const open of document.querySelectorAll("details.dropdown[open]")) {
      if (!open.contains(event.target)) open.removeAttribute("open");
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    renderTabs();
    connect();
  });
})();
