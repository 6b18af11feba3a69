/* Centrala web form: sends the form next to this script as JSON and shows the answer in place.
   Without JavaScript the same form still works as an ordinary form post. */
(function () {
  "use strict";
  var config = {{ config|safe }};
  function show(form, text, ok) {
    var box = form.querySelector("[data-centrala-message]");
    if (!box) { box = document.createElement("p"); box.setAttribute("data-centrala-message", ""); form.appendChild(box); }
    box.textContent = text;
    box.setAttribute("role", ok ? "status" : "alert");
    box.className = ok ? "centrala-ok" : "centrala-error";
  }
  function markErrors(form, errors) {
    Array.prototype.forEach.call(form.querySelectorAll("[data-centrala-error]"), function (el) { el.remove(); });
    Object.keys(errors || {}).forEach(function (name) {
      var input = form.elements.namedItem(name);
      var note = document.createElement("small");
      note.setAttribute("data-centrala-error", "");
      note.className = "centrala-error";
      note.textContent = errors[name];
      if (input && input.parentNode) { input.setAttribute("aria-invalid", "true"); input.parentNode.appendChild(note); }
      else { form.insertBefore(note, form.firstChild); }
    });
  }
  function enhance(form) {
    if (form.getAttribute("data-centrala-ready")) return;
    form.setAttribute("data-centrala-ready", "1");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = {};
      new FormData(form).forEach(function (value, name) {
        if (name in data) { data[name] = [].concat(data[name], value); } else { data[name] = value; }
      });
      var button = form.querySelector("[type=submit]");
      if (button) button.disabled = true;
      show(form, config.sending, true);
      fetch(config.url, { method: "POST", mode: "cors", credentials: "omit",
                          headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          markErrors(form, answer.errors);
          show(form, answer.message || config.failed, answer.ok);
          if (answer.ok) form.reset();
        })
        .catch(function () { show(form, config.failed, false); })
        .then(function () { if (button) button.disabled = false; });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("form[data-centrala-form]"), function (form) {
    if (form.getAttribute("action") === config.url) enhance(form);
  });
})();
