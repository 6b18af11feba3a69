/* E-mails in a case timeline: when the sending state of a shown e-mail changes (queued, sending,
   sent, failed), that entry is redrawn in place; nothing the user is typing elsewhere is lost.
   States can change quickly one after another: one request per entry at a time, and one more
   after it when another change came meanwhile, so the last state shown is the last one sent. */
(() => {
  "use strict";
  const busy = new Map(); // activity id -> true while its request runs, "again" when it must run once more

  function redraw(id) {
    if (busy.get(id)) { busy.set(id, "again"); return; }
    const item = document.getElementById("activity-" + id);
    if (!item || !item.dataset.itemUrl) return;
    busy.set(id, true);
    fetch(item.dataset.itemUrl, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : null))
      .then((html) => {
        const current = document.getElementById("activity-" + id);
        if (!html || !current) return;
        const holder = document.createElement("template");
        holder.innerHTML = html.trim();
        const fresh = holder.content.firstElementChild;
        if (!fresh) return;
        current.replaceWith(fresh);
        if (window.htmx) window.htmx.process(fresh);
      })
      .catch(() => { /* the next change or a reload shows it */ })
      .finally(() => {
        const again = busy.get(id) === "again";
        busy.delete(id);
        if (again) redraw(id);
      });
  }

  document.addEventListener("centrala:activity.changed", (event) => {
    const payload = event.detail || {};
    if (payload.kind !== "email" || payload.change !== "edited") return;
    const id = Number(payload.activity_id);
    if (Number.isInteger(id)) redraw(id);
  });
})();
