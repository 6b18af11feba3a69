/* Team status page: rows follow `centrala:presence.changed` events, "in status for" ticks every second.
   The board (#presence-board) may be replaced by htmx (team filter, refresh after a reconnect);
   everything here looks it up again instead of keeping references. */
(function () {
  "use strict";

  let clockOffset = 0; // server clock minus this browser's clock, so timers agree with the server

  function board() { return document.getElementById("presence-board"); }

  // Python's isoformat() may carry microseconds; Date.parse reliably reads milliseconds only.
  function parseTime(text) { return Date.parse(String(text).replace(/(\.\d{3})\d+/, "$1")); }

  function duration(ms) {
    const total = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    return h + ":" + String(m).padStart(2, "0") + ":" + String(s).padStart(2, "0");
  }

  function syncClock() {
    const el = board();
    const serverNow = el && parseTime(el.dataset.serverNow);
    if (serverNow) clockOffset = serverNow - Date.now();
  }

  function tick() {
    const el = board();
    if (!el) return;
    const now = Date.now() + clockOffset;
    for (const time of el.querySelectorAll("time[data-since]")) {
      const since = parseTime(time.dataset.since);
      if (!Number.isNaN(since)) time.textContent = duration(now - since);
    }
  }

  function recount() {
    const el = board();
    if (!el) return;
    const counts = { work: 0, break: 0, off: 0 };
    for (const row of el.querySelectorAll("tr[data-user-id]")) {
      const kind = row.dataset.kind in counts ? row.dataset.kind : "off";
      counts[kind] += 1;
    }
    for (const kind of Object.keys(counts)) {
      const cell = el.querySelector('[data-count="' + kind + '"]');
      if (cell) cell.textContent = String(counts[kind]);
    }
  }

  function apply(detail) {
    const el = board();
    if (!el || !detail) return;
    const userId = Number(detail.user_id);
    if (!Number.isInteger(userId)) return;
    const kind = detail.kind === "work" || detail.kind === "break" ? detail.kind : "off";
    const queueIds = (el.dataset.queueStatuses || "").split(",").filter(Boolean);
    const inQueue = detail.status_id != null && queueIds.includes(String(detail.status_id));
    for (const row of el.querySelectorAll('tr[data-user-id="' + userId + '"]')) {
      row.dataset.kind = kind;
      const pill = row.querySelector('[data-role="pill"]');
      if (pill) pill.className = "pill kind-" + kind;
      const name = row.querySelector('[data-role="status"]');
      if (name) name.textContent = detail.status_name || el.dataset.offLabel || "";
      const time = row.querySelector('[data-role="since"]');
      if (time && detail.since) {
        time.dataset.since = detail.since;
        time.setAttribute("datetime", detail.since);
      }
      const queue = row.querySelector('[data-role="queue"]');
      if (queue) queue.textContent = inQueue ? el.dataset.queueLabel || "" : "";
      row.classList.remove("flash");
      void row.offsetWidth; // restart the highlight animation
      row.classList.add("flash");
    }
    recount();
    tick();
  }

  document.addEventListener("centrala:presence.changed", (event) => apply(event.detail));

  // The board came back from the server (filter changed, or the refresh below).
  document.addEventListener("htmx:afterSettle", () => { syncClock(); tick(); });

  // Events sent while the socket was down are lost: after a reconnect, fetch the board again.
  function watchSocket() {
    let wasLive = document.body.dataset.live;
    new MutationObserver(() => {
      const live = document.body.dataset.live;
      if (live === "on" && wasLive === "off" && window.htmx && board()) {
        htmx.ajax("GET", location.pathname + location.search, { target: "#presence-board", swap: "outerHTML" });
      }
      wasLive = live;
    }).observe(document.body, { attributes: true, attributeFilter: ["data-live"] });
  }

  document.addEventListener("DOMContentLoaded", () => {
    syncClock();
    tick();
    setInterval(tick, 1000);
    watchSocket();
  });
})();
