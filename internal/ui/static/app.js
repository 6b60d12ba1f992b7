// botport dashboard: live rows (Server-Sent Events) and small helpers.
// The pages work without it; it only keeps them current.
(function () {
  "use strict";
  var announce = document.getElementById("announce");
  function say(text) { if (announce) { announce.textContent = text; } }
  function fromHTML(html) {
    var t = document.createElement("template");
    t.innerHTML = html.trim();
    return t.content.firstElementChild;
  }
  // The imports list: rows arrive rendered; an existing row is replaced,
  // a new one goes on top.
  var table = document.querySelector("table[data-live]");
  if (table && window.EventSource) {
    var body = table.tBodies[0];
    var es = new EventSource(table.getAttribute("data-live"));
    es.addEventListener("row", function (ev) {
      var m = JSON.parse(ev.data);
      var el = fromHTML(m.html);
      if (!el) { return; }
      var old = document.getElementById("row-" + m.id);
      var focused = old && old.contains(document.activeElement);
      if (old) {
        old.replaceWith(el);
        say("Import " + m.id + ": " + m.label);
      } else {
        body.insertBefore(el, body.firstChild);
        var empty = document.getElementById("empty");
        if (empty) { empty.remove(); }
        say("New import " + m.id + ": " + m.label);
      }
      el.classList.add("flash");
      if (focused) { var a = el.querySelector("a"); if (a) { a.focus(); } }
      table.setAttribute("data-updates", String(Number(table.getAttribute("data-updates") || 0) + 1));
    });
    es.addEventListener("done", function () { es.close(); });
  }
  // An import's page: reload when the import changes (it ends, or waits
  // for something else).
  var watch = document.querySelector("[data-watch]");
  if (watch && window.EventSource) {
    var w = new EventSource(watch.getAttribute("data-watch"));
    w.addEventListener("row", function (ev) {
      if (JSON.parse(ev.data).status !== "pending") { w.close(); window.location.reload(); }
    });
    w.addEventListener("done", function () { w.close(); });
  }
  // A pending export: look again shortly.
  var refresh = document.querySelector("[data-refresh]");
  if (refresh) {
    setTimeout(function () { window.location.reload(); }, Number(refresh.getAttribute("data-refresh")) || 2000);
  }
})();
