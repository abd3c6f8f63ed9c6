// Portal behaviour shared by every page: the phone menu, language switcher, confirmations, and
// the live event socket (events published by the web process or by a Celery worker arrive here).
//
// Pages never depend on script order. A page that wants more than the user's own events (e.g. a
// campaign's counters) pushes a request onto a queue that may exist before or after this file
// runs:
//     (window.ccQueue = window.ccQueue || []).push({subscribe: "campaign", id: 7});
// This file drains what was queued before it ran and then replaces the queue with one whose push
// subscribes at once. Subscriptions survive reconnects. Every event is re-dispatched on document
// as a "cc:event" CustomEvent.
(function () {
  "use strict";

  var menuButton = document.getElementById("menu-toggle");
  if (menuButton) {
    menuButton.addEventListener("click", function () {
      var open = document.body.classList.toggle("menu-open");
      menuButton.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  document.querySelectorAll("select.autosubmit").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  document.querySelectorAll("form.confirm").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });

  document.querySelectorAll("[data-history-back]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (window.history.length > 1) { event.preventDefault(); window.history.back(); }
    });
  });

  if (!document.body.classList.contains("signed-in")) { return; }

  var toasts = document.getElementById("toasts");
  var handlers = {
    "agent.state": function (payload) {
      var badge = document.getElementById("agent-state");
      if (badge) {
        var names = document.getElementById("agent-state-labels");
        var labels = names ? JSON.parse(names.textContent) : {};
        badge.textContent = labels[payload.state] || payload.state;
        badge.dataset.state = payload.state;
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

  var subscriptions = [];
  var current = null;
  function subscribe(request) {
    subscriptions.push(request);
    if (current && current.readyState === WebSocket.OPEN) { current.send(JSON.stringify(request)); }
  }
  var queued = window.ccQueue || [];
  window.ccQueue = { push: subscribe };
  window.ccSubscribe = subscribe;
  Array.prototype.forEach.call(queued, subscribe);

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
    socket.onclose = function (event) {
      document.body.dataset.live = "disconnected";
      // 4401: this login ended (logged out in another tab, by a supervisor, or expired):
      // retrying cannot help; the next page the user opens asks them to sign in.
      if (event.code === 4401) { document.body.dataset.live = "signed-out"; return; }
      window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
