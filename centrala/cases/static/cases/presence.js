/* Live presence on a case card (CASE-11): who else has the case open, and a refresh offer once
   someone else saves it.

   The card holds the container (cases/_presence.html):
     <div id="case-presence" data-case-id="12" data-version="3" data-viewers-label="..." ...></div>
   This script tells the server over the event socket which case is open ("case.watch", repeated
   every minute so the server can tell a live card from one whose server process died), shows
   "case.viewers" without the user's own name, and turns "case.updated" with a newer version than
   data-version into a notice with a Refresh button. After saving, the card updates data-version
   (or swaps in a new container) so its own save is not offered as someone else's.

   Refresh dispatches a cancelable "centrala:case-refresh" {case_id, version} on document; a card
   that reloads itself calls preventDefault(), otherwise the page reloads (the card's draft keeps
   unsaved text). */
(function () {
  "use strict";
  if (window.CentralaCasePresence) return; // loaded twice: one instance is enough
  const HEARTBEAT_MS = 60 * 1000; // cases.viewers.HEARTBEAT_SECONDS

  let box = null;        // the container on the page, or null when no card is open
  let caseId = null;
  let viewers = [];      // [{user_id, name}] of the last "case.viewers"
  let saved = null;      // {version, name} of the newest save by someone else
  let heartbeat = null;
  // The card may bump data-version in place after its own save; the notice follows it.
  const versionWatch = new MutationObserver(() => render());

  const myId = () => Number(document.body.dataset.userId);

  function send(message) {
    const socket = window.Centrala && Centrala.socket ? Centrala.socket() : null;
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function watch() {
    if (box && !document.contains(box)) stop(); // the card was swapped out without a new one
    if (caseId !== null) send({ type: "case.watch", case_id: caseId });
  }

  function stop() {
    if (caseId !== null) send({ type: "case.unwatch", case_id: caseId });
    clearInterval(heartbeat);
    versionWatch.disconnect();
    box = caseId = saved = heartbeat = null;
    viewers = [];
  }

  function start(element) {
    const id = Number(element.dataset.caseId);
    if (!Number.isInteger(id) || id <= 0) return;
    if (id !== caseId) {
      stop();
      caseId = id;
      watch();
      heartbeat = setInterval(watch, HEARTBEAT_MS);
    }
    box = element; // the same case re-rendered (e.g. after saving): keep watching, adopt it
    versionWatch.disconnect();
    versionWatch.observe(element, { attributes: true, attributeFilter: ["data-version"] });
    render();
  }

  function line(text, kind) {
    const item = document.createElement("p");
    item.className = "message" + (kind ? " " + kind : "");
    item.textContent = text;
    return item;
  }

  function render() {
    if (!box) return;
    const parts = [];
    const version = Number(box.dataset.version) || 0;
    if (saved && saved.version > version) {
      const notice = line(saved.name ? box.dataset.savedLabel + " " + saved.name : box.dataset.changedLabel, "warning");
      notice.dataset.presence = "saved";
      const refresh = document.createElement("button");
      refresh.type = "button";
      refresh.className = "small";
      refresh.dataset.presence = "refresh";
      refresh.textContent = box.dataset.refreshLabel;
      refresh.addEventListener("click", () => {
        const detail = { case_id: caseId, version: saved.version };
        if (document.dispatchEvent(new CustomEvent("centrala:case-refresh", { detail, cancelable: true }))) {
          location.reload();
        }
      });
      notice.append(" ", refresh);
      parts.push(notice);
    } else {
      const others = viewers.filter((v) => v.user_id !== myId()).map((v) => v.name);
      if (others.length) {
        const notice = line(box.dataset.viewersLabel + " " + others.join(", "));
        notice.dataset.presence = "viewers";
        parts.push(notice);
      }
    }
    box.replaceChildren(...parts);
    box.hidden = parts.length === 0;
  }

  function init() {
    const element = document.getElementById("case-presence");
    if (element) start(element);
    else if (box) stop();
  }

  // Every (re)connected socket starts with no watches: say again which card is open.
  document.addEventListener("centrala:hello", watch);

  document.addEventListener("centrala:case.viewers", (event) => {
    if (event.detail.case_id !== caseId || !Array.isArray(event.detail.viewers)) return;
    viewers = event.detail.viewers;
    render();
  });

  document.addEventListener("centrala:case.updated", (event) => {
    const detail = event.detail;
    // The user's own saves are left to the card (it updates data-version with its response);
    // a save from another of their tabs still meets the version check when they save here.
    if (detail.case_id !== caseId || detail.by_user_id === myId()) return;
    if (!saved || detail.version > saved.version) {
      saved = { version: detail.version, name: detail.by_name || "" };
      render();
    }
  });

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:load", init); // a card swapped in (or re-rendered) by htmx
  window.addEventListener("pagehide", () => { if (caseId !== null) send({ type: "case.unwatch", case_id: caseId }); });
  window.addEventListener("pageshow", (event) => { if (event.persisted) watch(); }); // back from the bfcache

  window.CentralaCasePresence = { render };
})();
