// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  var busy = document.getElementById("busy");
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); return; }
    if (form.hasAttribute("data-inline") && window.fetch && window.DOMParser) {
      event.preventDefault();
      sendInline(form, event.submitter);
    }
    if (form.hasAttribute("data-busy") && busy) {
      busy.hidden = false;
      Array.prototype.forEach.call(form.querySelectorAll("button[type=submit], button:not([type])"), function (b) { b.disabled = true; });
    }
  });

  // Forms marked data-inline are sent in the background: a refusal (422, 409, 403) puts every
  // error next to its field and the page's messages at the top, keeping what was typed and the
  // files chosen and the address; success shows the page the server redirected to.
  function sendInline(form, submitter) {
    each(document.querySelectorAll("#main > .flash:not(.flash-warning)"), function (n) { n.remove(); });  // old news
    var data;
    try { data = new FormData(form, submitter || undefined); } catch (e) { data = new FormData(form); }
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin", headers: { "X-Inline": "1" } })
      .then(function (r) {
        var target = r.headers.get("X-Location");
        if (target) { window.location.assign(target); return; }
        return r.text().then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          if (r.status >= 500 || r.ok || !doc.getElementById("main")) { form.submit(); return; }
          showErrors(form, doc);
        });
      }).catch(function () { form.submit(); });
  }
  function each(nodes, fn) { Array.prototype.forEach.call(nodes, fn); }
  // The title, message and field errors of an error page, as an error message above the form.
  function asFlash(page) {
    var note = document.createElement("div");
    note.className = "flash flash-error";
    note.setAttribute("role", "alert");
    var head = page.querySelector("h1");
    if (head) { note.appendChild(document.createElement("strong")).textContent = head.textContent; }
    each(page.querySelectorAll(".lead, .field-errors"), function (n) { note.appendChild(document.importNode(n, true)); });
    return note;
  }
  function showErrors(form, doc) {
    var main = document.getElementById("main");
    each(main.querySelectorAll(".flash"), function (n) { n.remove(); });
    var first = main.firstChild;
    each(doc.getElementById("main").querySelectorAll(".flash"), function (n) { main.insertBefore(document.importNode(n, true), first); });
    var action = form.getAttribute("action");
    var fresh = form.id ? doc.getElementById(form.id)   // several forms may share an address (one rating per matter)
      : action ? doc.querySelector('form[data-inline][action="' + action + '"]') : doc.querySelector("form[data-inline]:not([action])");
    var refusal = fresh ? null : doc.querySelector("#main .error-page");
    if (refusal) { main.insertBefore(asFlash(refusal), first); }   // an error page (409, 403, 404): its words on top
    var gone = !fresh && !refusal;   // the page as it is now offers this operation no more (the step closed meanwhile)
    each(form.querySelectorAll(".field"), function (field) {
      each(field.querySelectorAll(".field-error"), function (n) { n.remove(); });
      field.classList.remove("has-error");
      var control = field.querySelector("[name]");
      var twin = fresh && control ? fresh.querySelector('[name="' + control.name + '"]') : null;
      var source = twin ? twin.closest(".field") : null;
      if (!source) { return; }
      var rows = field.querySelector("table.repeat tbody"), fresher = source.querySelector("table.repeat tbody");
      if (rows && fresher) { rows.replaceWith(document.importNode(fresher, true)); }  // each row's errors in its cells
      each(source.querySelectorAll(".field-error"), function (n) {
        if (!n.closest("table.repeat")) { field.appendChild(document.importNode(n, true)); }
      });
      if (source.classList.contains("has-error")) { field.classList.add("has-error"); }
    });
    if (busy) { busy.hidden = true; }
    each(form.querySelectorAll("button"), function (b) { b.disabled = gone; });
    main.scrollIntoView();
  }
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
