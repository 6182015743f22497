// The process diagram with bpmn-js (served from static/vendor): zoom and pan, every node the
// engine has passed marked done and every node waiting marked current, lanes in the page's
// language. Without it the server-drawn SVG stays.
(function () {
  "use strict";
  if (!window.BpmnJS) { return; }
  Array.prototype.forEach.call(document.querySelectorAll(".bpmn-view[data-bpmn]"), function (box) {
    var canvasBox = box.querySelector(".bpmn-canvas");
    canvasBox.hidden = false;
    var viewer = new window.BpmnJS({ container: canvasBox });
    viewer.importXML(box.getAttribute("data-bpmn")).then(function () {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      var states = JSON.parse(box.getAttribute("data-states") || "{}");
      var lanes = JSON.parse(box.getAttribute("data-lanes") || "{}");
      Object.keys(states).forEach(function (id) {
        if (registry.get(id)) { canvas.addMarker(id, "node-" + states[id]); }
      });
      registry.filter(function (e) { return e.type === "bpmn:Lane" || e.type === "bpmn:Participant"; }).forEach(function (e) {
        var name = e.businessObject.name;
        var text = canvas.getGraphics(e).querySelector("text.djs-label tspan, text tspan");
        if (name && lanes[name] && text) { text.textContent = lanes[name]; }
      });
      canvas.zoom("fit-viewport");
      box.classList.add("bpmn-ready");
      var tools = box.previousElementSibling && box.previousElementSibling.querySelector(".bpmn-tools");
      if (tools) {
        tools.hidden = false;
        tools.addEventListener("click", function (event) {
          var how = event.target.getAttribute("data-zoom");
          if (how === "fit") { canvas.zoom("fit-viewport"); }
          else if (how) { canvas.zoom(canvas.zoom() * (how === "in" ? 1.25 : 0.8)); }
        });
      }
    }).catch(function () { canvasBox.hidden = true; });
  });
})();
