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

  // What pages push onto window.ccQueue is sent over the socket as JSON: now when it is open,
  // else as soon as it (re)connects. Subscriptions ({subscribe: ...}) are sent again after
  // every reconnect (a new socket has joined nothing); anything else is sent once.
  var subscriptions = [];
  var outbox = [];
  var current = null;
  function isOpen() { return current && current.readyState === WebSocket.OPEN; }
  function push(request) {
    if (request && request.subscribe) { subscriptions.push(request); }
    if (isOpen()) { current.send(JSON.stringify(request)); }
    else if (!(request && request.subscribe)) { outbox.push(request); }
  }
  var queued = window.ccQueue || [];
  window.ccQueue = { push: push };
  window.ccSubscribe = push;
  Array.prototype.forEach.call(queued, push);

  function setLive(state) {
    document.body.dataset.live = state;
    document.dispatchEvent(new CustomEvent("cc:socket", { detail: { state: state } }));
  }

  var delay = 1000;
  var retry = null;
  var everConnected = false;
  function connect() {
    retry = null;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + "/ws/events/");
    current = socket;
    socket.onopen = function () {
      delay = 1000;
      subscriptions.forEach(function (request) { socket.send(JSON.stringify(request)); });
      outbox.splice(0).forEach(function (request) { socket.send(JSON.stringify(request)); });
      setLive("connected");
      // Events published while the socket was down are lost to this tab: pages catch up from
      // the database (the API's after=<seq>) when they hear this.
      if (everConnected) { document.dispatchEvent(new CustomEvent("cc:reconnected")); }
      everConnected = true;
    };
    socket.onmessage = function (message) {
      var event = JSON.parse(message.data);
      var handler = handlers[event.kind];
      if (handler) { handler(event.payload); }
      document.dispatchEvent(new CustomEvent("cc:event", { detail: event }));
    };
    socket.onclose = function (event) {
      if (current !== socket) { return; }
      // 4401: this login ended (logged out in another tab, by a supervisor, or expired):
      // retrying cannot help; the login page asks the user to sign in again.
      if (event.code === 4401) {
        setLive("signed-out");
        var next = encodeURIComponent(window.location.pathname + window.location.search);
        window.location.assign("/login/?next=" + next);
        return;
      }
      setLive("disconnected");
      retry = window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  // Back online: try at once rather than at the end of the back-off.
  window.addEventListener("online", function () {
    if (retry !== null) { window.clearTimeout(retry); delay = 1000; connect(); }
  });
  // For pages and tests: the socket of this tab (e.g. to cut it and watch the catch-up).
  window.ccEvents = { socket: function () { return current; }, isOpen: isOpen };
  connect();
})();
