// The console's only script: confirmations, a character counter, and live progress polled from a JSON endpoint
// (a broadcast's counts; a preview's, an import's or a fetch's state: the page reloads once the job is over).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
  document.querySelectorAll("textarea[data-count]").forEach(function (area) {
    var out = document.getElementById(area.dataset.count);
    var show = function () { out.textContent = area.value.length + " / " + area.maxLength + " ký tự"; };
    area.addEventListener("input", show);
    show();
  });
  var box = document.querySelector("[data-progress]");
  if (box) { poll(box); }
});

function field(box, name) { return box.querySelector('[data-field="' + name + '"]'); }

function poll(box) {
  var finals = (box.dataset.final || "done,cancelled").split(",");
  fetch(box.dataset.progress, {credentials: "same-origin", headers: {"Accept": "application/json"}})
    .then(function (r) {
      if (r.status === 404 && box.dataset.reload) { window.location.reload(); throw null; }  // gone: the page says why
      if (!r.ok) { throw new Error(r.status); }
      return r.json();
    })
    .then(function (s) {
      box.querySelectorAll("[data-field]").forEach(function (el) {
        var value = s[el.dataset.field];
        if (typeof value === "string" || typeof value === "number") { el.textContent = value; }
      });
      var bar = field(box, "bar");
      if (bar) { bar.max = Math.max(1, s.total); bar.value = s.total - s.pending; }
      var list = field(box, "reasons");
      if (list) {
        list.textContent = "";
        [[s.errors, s.error_labels], [s.reasons, s.reason_labels]].forEach(function (pair) {
          Object.keys(pair[0] || {}).forEach(function (key) {
            var li = document.createElement("li");
            li.textContent = pair[0][key] + ": " + pair[1][key];
            list.appendChild(li);
          });
        });
      }
      var done = finals.indexOf(s.state) >= 0;
      box.querySelectorAll("[data-show]").forEach(function (el) {
        el.hidden = (el.dataset.show === "planned") !== done;
      });
      box.dataset.state = s.state;
      if (done && box.dataset.reload) { window.location.reload(); return; }
      if (!done) { setTimeout(function () { poll(box); }, 1000); }
    })
    .catch(function (e) { if (e !== null) { setTimeout(function () { poll(box); }, 3000); } });
}
