// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  var busy = document.getElementById("busy");
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); return; }
    if (form.hasAttribute("data-busy") && busy) {
      busy.hidden = false;
      Array.prototype.forEach.call(form.querySelectorAll("button[type=submit], button:not([type])"), function (b) { b.disabled = true; });
    }
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]")) { event.target.form.submit(); }
  });
  window.addEventListener("pageshow", function () { if (busy) { busy.hidden = true; } });
  document.addEventListener("click", function (event) {
    var el = event.target;
    if (el.matches("[data-print]")) { window.print(); }
    if (el.matches("[data-select-all]")) {
      var table = el.closest("table");
      Array.prototype.forEach.call(table.querySelectorAll("input[name=task_ids]"), function (box) { box.checked = el.checked; });
    }
    if (el.matches("[data-add-row]")) {
      var name = el.getAttribute("data-add-row");
      var body = document.querySelector('table[data-repeat="' + name + '"] tbody');
      var rows = body.querySelectorAll("tr");
      var last = rows[rows.length - 1];
      var copy = last.cloneNode(true);
      var index = rows.length;
      Array.prototype.forEach.call(copy.querySelectorAll("input, select"), function (input) {
        input.name = input.name.replace(/-\d+-/, "-" + index + "-");
        input.value = "";
      });
      Array.prototype.forEach.call(copy.querySelectorAll(".field-error"), function (p) { p.remove(); });
      body.appendChild(copy);
    }
  });
})();
