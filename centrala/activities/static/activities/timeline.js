/* Timelines follow other people's changes without losing what this user is typing: when another
   user changes a shown case (a note, a file, a move, or a save that wrote "Status: A → B"), a
   "show them" bar appears instead of a silent reload. The case card includes this file; htmx
   fragments cannot carry scripts under our CSP. */
(() => {
  "use strict";
  function offerRefresh(event) {
    const payload = event.detail || {};
    if (String(payload.by_user_id) === document.body.dataset.userId) return;
    const caseId = Number(payload.case_id);
    if (!Number.isInteger(caseId)) return;
    document.querySelectorAll(`.timeline[data-case-id="${caseId}"] [data-timeline-refresh]`)
      .forEach((bar) => { bar.hidden = false; });
  }
  document.addEventListener("centrala:activity.changed", offerRefresh);
  document.addEventListener("centrala:case.updated", offerRefresh);
})();
