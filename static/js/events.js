// Portal behaviour shared by every page: language switcher, confirmations, and the live event
// socket (events published by the web process or by a Celery worker arrive here).
(function () {
  "use strict";

  document.querySelectorAll("select.autosubmit").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  document.querySelectorAll("form.confirm").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });

  if (!document.body.classList.contains("signed-in")) { return; }

  var toasts = document.getElementById("toasts");
  var handlers = {
    "agent.state": function (payload) {
      var badge = document.getElementById("agent-state");
      if (badge) {
        badge.textContent = payload.state;
        badge.className = "agent-state state-" + payload.state;
      }
    },
    "notice": function (payload) {
      var toast = document.createElement("div");
      toast.className = "toast";
      toast.setAttribute("role", "status");
      toast.textContent = payload.text;
      toasts.appendChild(toast);
      window.setTimeout(function () { toast.remove(); }, 15000);
    }
  };

  // Pages ask for more than the user's own events (e.g. a campaign's counters) with
  // window.ccSubscribe({subscribe: "campaign", id: 7}); subscriptions survive reconnects.
  var subscriptions = [];
  var current = null;
  window.ccSubscribe = function (request) {
    subscriptions.push(request);
    if (current && current.readyState === WebSocket.OPEN) { current.send(JSON.stringify(request)); }
  };

  var delay = 1000;
  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + "/ws/events/");
    current = socket;
    socket.onopen = function () {
      delay = 1000;
      subscriptions.forEach(function (request) { socket.send(JSON.stringify(request)); });
      document.body.dataset.live = "connected";
    };
    socket.onmessage = function (message) {
      var event = JSON.parse(message.data);
      var handler = handlers[event.kind];
      if (handler) { handler(event.payload); }
      document.dispatchEvent(new CustomEvent("cc:event", { detail: event }));
    };
    socket.onclose = function () {
      document.body.dataset.live = "disconnected";
      window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
