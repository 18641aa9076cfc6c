// The assistant page: one WebSocket to /ws/chat, streaming text, approval buttons for writes.
(function () {
  "use strict";
  var log, state, form, text, send, csrf, socket, conversationId = null;

  function line(cls, content) {
    var p = document.createElement("div");
    p.className = "chat-" + cls;
    p.textContent = content;
    log.appendChild(p);
    log.scrollTop = log.scrollHeight;
    return p;
  }

  function token() {
    return fetch("/chat/token", { method: "POST", credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf } }).then(function (r) {
      if (!r.ok) { throw new Error("not signed in"); }
      return r.json();
    }).then(function (body) { return body.token; });
  }

  function approval(frame) {
    var box = line("approval", "Approve: " + frame.summary + "? ");
    [["Approve", true], ["Reject", false]].forEach(function (choice) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = choice[0];
      b.addEventListener("click", function () {
        socket.send(JSON.stringify({ type: "approval", approval_id: frame.approval_id, approved: choice[1] }));
        box.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
        line("note", choice[1] ? "Approved." : "Rejected.");
      });
      box.appendChild(b);
    });
    box.querySelector("button").focus();
  }

  var answer = null;
  function onFrame(event) {
    var frame = JSON.parse(event.data);
    if (frame.type === "ready") { state.textContent = "Connected as " + frame.user.name + "."; send.disabled = false; }
    else if (frame.type === "text_delta") { if (!answer) { answer = line("assistant", ""); } answer.textContent += frame.text; }
    else if (frame.type === "tool_call") { answer = null; line("tool", "→ " + frame.name + " " + JSON.stringify(frame.arguments)); }
    else if (frame.type === "approval_request") { approval(frame); }
    else if (frame.type === "tool_result") { line("tool", (frame.is_error ? "✗ " : "✓ ") + frame.name); }
    else if (frame.type === "error") { line("error", frame.message); }
    else if (frame.type === "done") { answer = null; conversationId = frame.conversation_id; send.disabled = false; }
  }

  function connect() {
    token().then(function (t) {
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(scheme + location.host + "/ws/chat");
      socket.onopen = function () { socket.send(JSON.stringify({ type: "auth", token: t })); };
      socket.onmessage = onFrame;
      socket.onclose = function () { state.textContent = "Disconnected. Reload the page to reconnect."; send.disabled = true; };
    }).catch(function () { state.textContent = "Could not connect: sign in again."; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    log = document.getElementById("chat-log");
    state = document.getElementById("chat-state");
    form = document.getElementById("chat-form");
    text = document.getElementById("chat-text");
    send = document.getElementById("chat-send");
    csrf = document.getElementById("chat-csrf").value;
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!text.value.trim()) { return; }
      var frame = { type: "user_message", text: text.value };
      if (conversationId) { frame.conversation_id = conversationId; }
      else if (form.dataset.incident) { frame.incident_id = parseInt(form.dataset.incident, 10); }
      line("user", text.value);
      socket.send(JSON.stringify(frame));
      text.value = "";
      send.disabled = true;
    });
    connect();
  });
})();
