/* "+" new case: the picked contact fills the hidden input; the owner list shows the chosen
   campaign's agents only. */
(function () {
  "use strict";

  function picker() { return document.querySelector("[data-contact-picker]"); }

  function showPicked(id, name) {
    const box = picker();
    if (!box) return;
    box.querySelector("[data-contact-id]").value = id || "";
    box.querySelector("[data-picked-name]").textContent = name || "";
    box.querySelector("[data-picked-contact]").hidden = !id;
    box.querySelector("[data-contact-search-row]").hidden = !!id;
    const search = box.querySelector("[data-contact-search]");
    if (id) search.value = name || "";
    const results = box.querySelector("[data-contact-suggestions]");
    if (results) results.replaceChildren();
    if (!id) search.focus();
  }

  document.addEventListener("cases:contact-picked", (event) => showPicked(event.detail.id, event.detail.name));

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-contact-clear]")) showPicked("", "");
  });

  // Typing again forgets a previous pick: what is submitted must be what is shown.
  document.addEventListener("input", (event) => {
    if (event.target.matches && event.target.matches("[data-contact-picker] [data-contact-search]")) {
      picker().querySelector("[data-contact-id]").value = "";
    }
  });

  function filterOwners() {
    const campaign = document.querySelector(".case-create select[name=campaign]");
    const owners = document.querySelector("[data-owner-select]");
    if (!campaign || !owners) return;
    for (const option of owners.options) {
      if (!option.value) continue;
      const fits = !campaign.value || option.dataset.campaigns.split(" ").includes(campaign.value);
      option.hidden = !fits;
      option.disabled = !fits;
      if (!fits && option.selected) owners.value = "";
    }
  }

  document.addEventListener("change", (event) => {
    if (event.target.matches && event.target.matches(".case-create select[name=campaign]")) filterOwners();
  });
  document.addEventListener("DOMContentLoaded", filterOwners);
})();
