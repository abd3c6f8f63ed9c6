// The agent's side of supervision (SPEC §5, docs/monitoring.md), on the inbox page:
// - a discreet indicator while a supervisor watches this screen (Monitor screen), and then the
//   inbox's open conversation, draft and scroll position sent to the watchers, at most 5 times a
//   second, only for agents with screen monitoring on;
// - "paused by <supervisor>" when a supervisor put the agent on a break;
// - the chat with supervisors, kept, with an unread count;
// - a supervisor's log-out (the socket closes with 4401): the page goes to the login page.
// The inbox tells what it shows with document CustomEvents "cc:inbox" ({type: "open" | "draft" |
// "scroll", interaction, text, top}); this file never reads the inbox's internals.
(function () {
  "use strict";
  var root = document.getElementById("supervision");
  if (!root) { return; }
  var csrf = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
  var indicator = document.getElementById("watched-indicator");
  var notice = document.getElementById("paused-notice");
  var toggle = document.getElementById("supervisor-chat-toggle");
  var chatBody = document.getElementById("supervisor-chat-body");
  var list = document.getElementById("supervisor-chat-list");
  var form = document.getElementById("supervisor-chat-form");
  var unreadBadge = document.getElementById("supervisor-chat-unread");
  var chatError = document.getElementById("supervisor-chat-error");

  var monitoringOn = false;   // this agent's screen monitoring setting
  var watched = false;
  var unread = 0;
  var seen = {};

  function post(url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin",
                        headers: { "X-CSRFToken": csrf, "Content-Type": "application/json" },
                        body: JSON.stringify(body || {}) })
      .then(function (r) { return r.json().catch(function () { return {}; }).then(function (d) { return { ok: r.ok, data: d }; }); });
  }

  // ------------------------------------------------------------ chat
  function showUnread() {
    unreadBadge.textContent = String(unread);
    unreadBadge.hidden = unread === 0;
  }
  function chatOpen() { return !chatBody.hidden; }
  function addLine(m) {
    if (seen[m.id]) { return; }
    seen[m.id] = true;
    var li = document.createElement("li");
    li.className = "chat-line " + (m.from_agent ? "from-agent" : "from-supervisor");
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = (m.from_agent ? gettext("You") : m.supervisor_name) + ": ";
    var text = document.createElement("span");
    text.className = "text";
    text.textContent = m.text;
    li.appendChild(who);
    li.appendChild(text);
    list.appendChild(li);
    list.scrollTop = list.scrollHeight;
  }
  function markRead() {
    if (unread === 0) { return; }
    unread = 0;
    showUnread();
    post(root.dataset.readUrl);
  }
  toggle.addEventListener("click", function () {
    chatBody.hidden = !chatBody.hidden;
    toggle.setAttribute("aria-expanded", chatBody.hidden ? "false" : "true");
    if (chatOpen()) { markRead(); form.elements.text.focus(); }
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    chatError.textContent = "";
    post(root.dataset.chatUrl, { text: form.elements.text.value }).then(function (answer) {
      if (!answer.ok) {
        var d = answer.data || {};
        chatError.textContent = [].concat(d.text || d.detail || gettext("Not sent; try again.")).join(" ");
        return;
      }
      form.elements.text.value = "";
      addLine(answer.data);
    });
  });

  // ------------------------------------------------------------ paused by
  function showPause(by, type) {
    if (!by || !type) { notice.hidden = true; notice.textContent = ""; return; }
    notice.textContent = interpolate(gettext("%(supervisor)s put you on a break: %(type)s."),
                                     { supervisor: by, type: type }, true);
    notice.hidden = false;
  }

  // ------------------------------------------------------------ screen mirror
  var pending = {};          // latest update of each type not sent yet
  var sentAt = [];
  var flushTimer = null;
  var current = { open: null, draft: null, scroll: null };

  function flush() {
    flushTimer = null;
    var nowMs = Date.now();
    sentAt = sentAt.filter(function (t) { return nowMs - t < 1000; });
    var types = Object.keys(pending);
    // At most 5 a second: an update waits for a free slot, and only the latest of each type goes.
    while (types.length && sentAt.length < 5) {
      var type = types.shift();
      (window.ccQueue = window.ccQueue || []).push({ screen: pending[type] });
      delete pending[type];
      sentAt.push(nowMs);
    }
    if (Object.keys(pending).length) {
      flushTimer = window.setTimeout(flush, 1000 - (nowMs - sentAt[0]) + 5);
    }
  }
  function mirror(update) {
    current[update.type] = update;
    if (!(watched && monitoringOn)) { return; }
    pending[update.type] = update;
    if (!flushTimer) { flushTimer = window.setTimeout(flush, 0); }
  }
  function shownNow() {
    // A watch that starts sees what the inbox shows already.
    var conversation = document.querySelector("#conversation[data-interaction-id]");
    var composer = document.getElementById("composer-text");
    var id = conversation ? parseInt(conversation.dataset.interactionId, 10) || null : null;
    if (id && !current.open) { current.open = { type: "open", interaction: id }; }
    if (composer && !current.draft) { current.draft = { type: "draft", interaction: id, text: composer.value || "" }; }
    ["open", "draft", "scroll"].forEach(function (type) { if (current[type]) { mirror(current[type]); } });
  }
  document.addEventListener("cc:inbox", function (event) {
    var d = event.detail || {};
    if (["open", "draft", "scroll"].indexOf(d.type) < 0) { return; }
    var update = { type: d.type, interaction: typeof d.interaction === "number" ? d.interaction : parseInt(d.interaction, 10) || null };
    if (d.type === "draft") { update.text = String(d.text || ""); }
    if (d.type === "scroll") { update.top = Number(d.top) || 0; }
    if (d.type === "open") { current.draft = null; }
    mirror(update);
  });
  var watchWanted = false;   // a supervisor watches (the socket says so)
  function setWatched(value) {
    watchWanted = !!value;
    watched = watchWanted && monitoringOn;
    indicator.hidden = !watched;
    if (watched) { shownNow(); } else { pending = {}; }
  }

  // ------------------------------------------------------------ events
  document.addEventListener("cc:event", function (event) {
    var e = event.detail;
    if (e.kind === "supervision.watch") { setWatched(e.payload.watched); }
    if (e.kind === "supervision.paused") { showPause(e.payload.by, e.payload.break_type); }
    if (e.kind === "agent.state" && !e.payload.break_type) { showPause("", ""); }
    if (e.kind === "chat.message") {
      addLine(e.payload);
      if (!e.payload.from_agent) {
        if (chatOpen()) { post(root.dataset.readUrl); } else { unread += 1; showUnread(); }
      }
    }
  });

  // Logged out (by a supervisor, or elsewhere): events.js marks the page signed out when the
  // socket closes with 4401; the login page is where the agent goes on.
  new MutationObserver(function () {
    if (document.body.dataset.live === "signed-out") {
      window.location.assign(root.dataset.loginUrl + "?next=" + encodeURIComponent(window.location.pathname));
    }
  }).observe(document.body, { attributes: true, attributeFilter: ["data-live"] });

  fetch(root.dataset.meUrl, { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (state) {
      if (!state) { return; }
      monitoringOn = !!state.screen_monitoring;
      state.chat.forEach(addLine);
      unread = state.unread;
      showUnread();
      showPause(state.paused_by, state.break_type);
      setWatched(state.watched || watchWanted);
    });
})();
