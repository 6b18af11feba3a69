/* The home dashboard (DASH-01) stays current: after a server event that may change its numbers
   (listed in the panel's data-live-events) it asks for a fresh panel, at most once every
   REFRESH_GAP ms however many events arrive; once a minute too, as callbacks fall due with time. */
(function () {
  "use strict";
  const REFRESH_GAP = 2000;
  const PERIODIC = 60000;
  const panel = () => document.getElementById("dashboard");
  let timer = null;
  let lastStart = 0;
  let running = false;
  let again = false;

  function refresh() {
    const element = panel();
    if (!element || !window.htmx) return;
    if (running) { again = true; return; }
    running = true;
    lastStart = Date.now();
    const done = () => {
      running = false;
      if (again) { again = false; schedule(); }
    };
    htmx.ajax("GET", element.dataset.refreshUrl, { target: "#dashboard", swap: "outerHTML" }).then(done, done);
  }

  function schedule() {
    if (timer) return;
    const wait = Math.max(150, lastStart + REFRESH_GAP - Date.now());
    timer = setTimeout(() => { timer = null; refresh(); }, wait);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const element = panel();
    if (!element) return;
    lastStart = Date.now(); // the page itself is fresh
    for (const type of (element.dataset.liveEvents || "").split(" ")) {
      if (type) document.addEventListener("centrala:" + type, schedule);
    }
    // Events sent while the socket was down are lost: catch up when it (re)connects.
    let connectedBefore = false;
    document.addEventListener("centrala:hello", () => {
      if (connectedBefore) schedule();
      connectedBefore = true;
    });
    setInterval(() => { if (!document.hidden) schedule(); }, PERIODIC);
  });
})();
