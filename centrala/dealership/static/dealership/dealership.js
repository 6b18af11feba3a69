/* Dealership pages: the reception desk (goal -> button, client search by keyboard, live waiting
   times), the traffic card and the "to process" list, which follow `centrala:traffic.changed`. */
(function () {
  "use strict";

  // Python's isoformat() may carry microseconds; Date.parse reliably reads milliseconds only.
  function parseTime(text) { return Date.parse(String(text).replace(/(\.\d{3})\d+/, "$1")); }

  function duration(ms) {
    const total = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
  }

  let clockOffset = 0; // server clock minus this browser's clock
  function syncClock() {
    const el = document.querySelector("[data-server-now]");
    const serverNow = el && parseTime(el.dataset.serverNow);
    if (serverNow) clockOffset = serverNow - Date.now();
  }

  function tick() {
    const now = Date.now() + clockOffset;
    for (const time of document.querySelectorAll("time.waited[data-since]")) {
      const since = parseTime(time.dataset.since);
      if (!Number.isNaN(since)) time.textContent = duration(now - since);
    }
  }

  // --- the desk -------------------------------------------------------------------------------
  function goalChannel() {
    const select = document.getElementById("desk-goal");
    const option = select && select.selectedOptions[0];
    return option ? option.dataset.channel || "" : "";
  }

  function showChannelButtons() {
    const channel = goalChannel();
    for (const button of document.querySelectorAll("[data-channel-button]")) {
      button.hidden = Boolean(channel) && button.dataset.channelButton !== channel;
    }
  }

  function clientPicked() {
    const picked = document.getElementById("client-picked");
    const has = Boolean(picked && picked.querySelector("input[name=contact]"));
    const unidentified = document.querySelector("[data-unidentified]");
    if (unidentified) unidentified.hidden = has;
    return has;
  }

  document.addEventListener("change", (event) => {
    if (event.target.id === "desk-goal") showChannelButtons();
  });

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-clear-client]")) {
      const picked = document.getElementById("client-picked");
      if (picked) picked.replaceChildren();
      clientPicked();
      const search = document.getElementById("client-q");
      if (search) search.focus();
    }
  });

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    // Enter in a search box picks/searches instead of submitting the whole form.
    if (target.id === "client-q" && event.key === "Enter") {
      event.preventDefault();
      const first = document.querySelector("#client-results [data-testid=client-result]");
      if (first) first.click();
    }
    if (target.id === "document-q" && event.key === "Enter") event.preventDefault();
    if (target.id === "client-q" && event.key === "ArrowDown") {
      const first = document.querySelector("#client-results button");
      if (first) { event.preventDefault(); first.focus(); }
    }
    if (target.closest && target.closest("#client-results") && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      const items = Array.from(document.querySelectorAll("#client-results button"));
      const index = items.indexOf(target);
      const next = items[index + (event.key === "ArrowDown" ? 1 : -1)];
      event.preventDefault();
      if (next) next.focus(); else if (event.key === "ArrowUp") document.getElementById("client-q").focus();
    }
  });

  // The employee list is re-ordered when the goal changes; a choice made meanwhile must survive.
  let chosenEmployee = null;
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "employees") {
      const select = document.getElementById("desk-employee");
      chosenEmployee = select ? select.value : null;
    }
  });
  document.addEventListener("htmx:afterSwap", (event) => {
    if (chosenEmployee !== null) {
      const select = document.getElementById("desk-employee");
      if (select && Array.from(select.options).some((o) => o.value === chosenEmployee)) select.value = chosenEmployee;
      chosenEmployee = null;
    }
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    const target = event.detail.target;
    if (target && target.id === "client-picked" || (event.detail.elt && event.detail.elt.id === "client-picked")) {
      const results = document.getElementById("client-results");
      if (results) results.replaceChildren();
      const search = document.getElementById("client-q");
      if (search) search.value = "";
    }
    clientPicked();
  });
  document.addEventListener("htmx:afterSettle", () => { syncClock(); tick(); clientPicked(); });

  // --- live: traffic changed somewhere ---------------------------------------------------------
  document.addEventListener("centrala:traffic.changed", (event) => {
    const detail = event.detail || {};
    // The desk's queue and the "to process" list listen for this on the body.
    document.body.dispatchEvent(new CustomEvent("traffic-changed"));
    const card = document.getElementById("traffic-card");
    const me = Number(document.body.dataset.userId);
    if (card && Number(card.dataset.trafficId) === detail.traffic_id && detail.by_user_id !== me && window.htmx) {
      htmx.trigger(card, "traffic-refresh");
    }
  });

  // Events sent before the socket opened (the page was rendering) or while it was down are lost:
  // re-read once it is connected (the server greets every new connection with "hello").
  // Lists hold no input, so they re-read at once; a card (where the user may be typing) only after
  // a reconnect, as the first connection follows its rendering within moments.
  let greeted = false;
  document.addEventListener("centrala:hello", () => {
    document.body.dispatchEvent(new CustomEvent("traffic-changed"));
    const card = document.getElementById("traffic-card");
    if (greeted && card && window.htmx) htmx.trigger(card, "traffic-refresh");
    greeted = true;
  });

  document.addEventListener("DOMContentLoaded", () => {
    showChannelButtons();
    clientPicked();
    syncClock();
    tick();
    setInterval(tick, 1000);
  });
})();
