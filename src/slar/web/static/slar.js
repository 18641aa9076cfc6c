// SLAR's only script: refresh incident lists in place, copy text to the clipboard.
// Everything works without it; it only saves a reload and some selecting.
(function () {
  "use strict";

  function refresh(body) {
    var url = body.getAttribute("data-refresh");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) {
        if (r.redirected || !r.ok) { return null; }
        return r.text();
      })
      .then(function (html) {
        if (html !== null && html !== body.innerHTML.trim()) { body.innerHTML = html; }
      })
      .catch(function () { /* offline for a moment: try again next time */ });
  }

  function startRefreshing() {
    var bodies = document.querySelectorAll("tbody[data-refresh]");
    if (!bodies.length) { return; }
    setInterval(function () {
      if (document.hidden) { return; }
      bodies.forEach(refresh);
    }, 3000);
  }

  function startCopying() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var source = document.getElementById(button.getAttribute("data-copy"));
        if (!source) { return; }
        var text = source.value !== undefined ? source.value : source.textContent;
        var done = function () {
          var label = button.textContent;
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = label; }, 1500);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done);
        } else {
          var range = document.createRange();
          range.selectNodeContents(source);
          var sel = window.getSelection();
          sel.removeAllRanges();
          sel.addRange(range);
          document.execCommand("copy");
          done();
        }
      });
    });
  }

  function startSummaries() {
    document.querySelectorAll("button[data-ai-summary]").forEach(function (button) {
      button.addEventListener("click", function () {
        var out = document.getElementById("ai-summary");
        button.disabled = true;
        out.textContent = "Drafting…";
        fetch("/chat/token", { method: "POST", credentials: "same-origin",
          headers: { "X-CSRF-Token": button.getAttribute("data-csrf") } })
          .then(function (r) { return r.json(); })
          .then(function (body) {
            return fetch("/ai/incidents/" + button.getAttribute("data-ai-summary") + "/summary", {
              method: "POST", headers: { "Authorization": "Bearer " + body.token } });
          })
          .then(function (r) { return r.json().then(function (b) { return [r.ok, b]; }); })
          .then(function (result) {
            var ok = result[0], body = result[1];
            out.textContent = "";
            if (!ok) { out.textContent = (body.error && body.error.message) || "The assistant could not answer."; return; }
            [["Summary", body.summary], ["Probable cause", body.probable_cause]].forEach(function (part) {
              var h = document.createElement("h3"); h.textContent = part[0]; out.appendChild(h);
              var p = document.createElement("p"); p.textContent = part[1]; out.appendChild(p);
            });
          })
          .catch(function () { out.textContent = "The assistant could not be reached."; })
          .then(function () { button.disabled = false; });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    startRefreshing();
    startCopying();
    startSummaries();
  });
})();
