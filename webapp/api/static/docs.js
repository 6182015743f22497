// Renders /api/v1/openapi.json as a list of operations: plain DOM, no external assets.
(function () {
  "use strict";
  var SPEC_URL = "/api/v1/openapi.json";
  var root = document.getElementById("operations");
  var spec = null;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function resolve(schema, depth) {
    if (!schema || depth > 6) return schema || {};
    if (schema.$ref) {
      var parts = schema.$ref.replace(/^#\//, "").split("/");
      var target = spec;
      parts.forEach(function (p) { target = target ? target[p] : undefined; });
      return resolve(target, depth + 1);
    }
    return schema;
  }

  function example(schema, depth) {
    schema = resolve(schema, depth || 0);
    if ((depth || 0) > 5) return null;
    if (schema.example !== undefined) return schema.example;
    if (schema["default"] !== undefined) return schema["default"];
    if (schema.enum) return schema.enum[0];
    var type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
    if (type === "object" || schema.properties) {
      var out = {};
      Object.keys(schema.properties || {}).forEach(function (k) {
        if (!schema.properties[k].readOnly) out[k] = example(schema.properties[k], (depth || 0) + 1);
      });
      return out;
    }
    if (type === "array") return [example(schema.items || {}, (depth || 0) + 1)];
    if (type === "integer" || type === "number") {
      return schema.minimum !== undefined ? schema.minimum : (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1);
    }
    if (type === "boolean") return false;
    if (schema.format === "date") return "2026-01-05";
    if (schema.format === "date-time") return "2026-01-05T08:00:00Z";
    if (schema.format === "binary") return "<file>";
    return "string";
  }

  function paramTable(params) {
    var rows = params.map(function (p) {
      p = resolve(p, 0);
      var s = resolve(p.schema, 0);
      var type = (Array.isArray(s.type) ? s.type.join("|") : s.type || "") + (s.format ? " (" + s.format + ")" : "");
      if (s.enum) type += ": " + s.enum.join(", ");
      return el("tr", {}, [el("td", {}, [el("code", {}, [p.name])]), el("td", {}, [p["in"]]),
        el("td", {}, [type]), el("td", {}, [p.required ? "required" : ""]), el("td", {}, [p.description || ""])]);
    });
    return el("table", {}, [el("tr", {}, [el("th", {}, ["Parameter"]), el("th", {}, ["In"]), el("th", {}, ["Type"]),
      el("th", {}, [""]), el("th", {}, ["Description"])])].concat(rows));
  }

  function constraints(s) {
    var out = [];
    if (s.enum) out.push("one of " + s.enum.join(", "));
    if (s.minimum !== undefined) out.push("≥ " + s.minimum);
    if (s.maximum !== undefined) out.push("≤ " + s.maximum);
    if (s.minLength !== undefined) out.push("length ≥ " + s.minLength);
    if (s.maxLength !== undefined) out.push("length ≤ " + s.maxLength);
    if (s.minItems !== undefined) out.push("items ≥ " + s.minItems);
    if (s.maxItems !== undefined) out.push("items ≤ " + s.maxItems);
    if (s.pattern) out.push("pattern " + s.pattern);
    return out.join("; ");
  }

  function fieldTable(schema) {
    schema = resolve(schema, 0);
    var required = schema.required || [];
    var rows = Object.keys(schema.properties || {}).map(function (name) {
      var s = resolve(schema.properties[name], 0);
      var type = (Array.isArray(s.type) ? s.type.join("|") : s.type || "") + (s.format ? " (" + s.format + ")" : "");
      if (s.items) {
        var item = resolve(s.items, 0);
        type += " of " + (item.type || "object");
      }
      return el("tr", {}, [el("td", {}, [el("code", {}, [name])]), el("td", {}, [type]),
        el("td", {}, [required.indexOf(name) >= 0 ? "required" : ""]),
        el("td", {}, [[s.description || "", constraints(s)].filter(Boolean).join(" — ")])]);
    });
    return el("table", {}, [el("tr", {}, [el("th", {}, ["Field"]), el("th", {}, ["Type"]), el("th", {}, [""]),
      el("th", {}, ["Description"])])].concat(rows));
  }

  function operation(path, method, op) {
    var secured = op.security === undefined ? !!spec.security : op.security.length > 0;
    var body = el("div", { "class": "body" }, []);
    if (op.description) body.appendChild(el("p", {}, [op.description]));
    if (op.parameters && op.parameters.length) body.appendChild(paramTable(op.parameters));
    if (op.requestBody) {
      var content = op.requestBody.content || {};
      Object.keys(content).forEach(function (type) {
        body.appendChild(el("p", {}, ["Request body (" + type + ")" + (op.requestBody.required ? ", required" : "") + ":"]));
        body.appendChild(fieldTable(content[type].schema));
        if (type === "application/json") {
          body.appendChild(el("pre", {}, [JSON.stringify(example(content[type].schema), null, 2)]));
        }
      });
    }
    var rows = Object.keys(op.responses || {}).map(function (code) {
      var r = resolve(op.responses[code], 0);
      return el("tr", {}, [el("td", {}, [el("code", {}, [code])]), el("td", {}, [r.description || ""])]);
    });
    body.appendChild(el("table", {}, [el("tr", {}, [el("th", {}, ["Status"]), el("th", {}, ["Meaning"])])].concat(rows)));
    var ok = Object.keys(op.responses || {}).filter(function (c) { return c[0] === "2"; })[0];
    var okContent = ok && resolve(op.responses[ok], 0).content;
    if (okContent && okContent["application/json"]) {
      body.appendChild(el("p", {}, ["Response " + ok + ":"]));
      body.appendChild(el("pre", {}, [JSON.stringify(example(okContent["application/json"].schema), null, 2)]));
    }
    var summary = el("summary", {}, [
      el("span", { "class": "method m-" + method }, [method.toUpperCase()]),
      el("span", { "class": "path" }, [path]),
      el("span", { "class": "summary" }, [op.summary || ""]),
      el("span", { "class": "lock" }, [secured ? "Bearer token" : "public"])]);
    var details = el("details", { "class": "op" }, [summary, body]);
    details.dataset.search = (method + " " + path + " " + (op.summary || "") + " " + (op.tags || []).join(" ") + " " +
      (op.operationId || "")).toLowerCase();
    return details;
  }

  function render() {
    document.getElementById("title").textContent = spec.info.title + " " + spec.info.version;
    document.getElementById("description").textContent = spec.info.description || "";
    root.textContent = "";
    var byTag = {};
    var order = (spec.tags || []).map(function (t) { return t.name; });
    Object.keys(spec.paths).forEach(function (path) {
      Object.keys(spec.paths[path]).forEach(function (method) {
        if (["get", "post", "put", "patch", "delete"].indexOf(method) < 0) return;
        var op = spec.paths[path][method];
        var tag = (op.tags && op.tags[0]) || "other";
        if (order.indexOf(tag) < 0) order.push(tag);
        (byTag[tag] = byTag[tag] || []).push(operation(path, method, op));
      });
    });
    order.forEach(function (tag) {
      if (!byTag[tag]) return;
      var info = (spec.tags || []).filter(function (t) { return t.name === tag; })[0];
      var section = el("section", {}, [el("h2", {}, [tag])]);
      if (info && info.description) section.appendChild(el("p", {}, [info.description]));
      byTag[tag].forEach(function (d) { section.appendChild(d); });
      root.appendChild(section);
    });
  }

  document.getElementById("filter").addEventListener("input", function (event) {
    var q = event.target.value.toLowerCase();
    Array.prototype.forEach.call(document.querySelectorAll("details.op"), function (d) {
      d.style.display = d.dataset.search.indexOf(q) >= 0 ? "" : "none";
    });
    Array.prototype.forEach.call(document.querySelectorAll("main section"), function (section) {
      var shown = Array.prototype.some.call(section.querySelectorAll("details.op"), function (d) {
        return d.style.display !== "none";
      });
      section.style.display = shown ? "" : "none";
    });
  });

  fetch(SPEC_URL, { headers: { "Accept": "application/json" } })
    .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
    .then(function (json) { spec = json; render(); })
    .catch(function (err) {
      root.textContent = "";
      root.appendChild(el("p", { "class": "error" }, ["Could not load " + SPEC_URL + ": " + err.message]));
    });
})();
