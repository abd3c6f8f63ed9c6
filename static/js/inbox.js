// The agent's inbox (SPEC §4): the list of interactions, the open conversation, the composer.
//
// Where the data comes from: the API (/api/v1/interactions/inbox, …/messages) once, then the
// events socket (static/js/events.js, "cc:event") patches what is on screen: no refetch per
// event. After a reconnect ("cc:reconnected") the page catches up from the database: the list
// once, and the open conversation's changes with after=<last seq seen>. Messages are kept by id
// and a change applies only when its seq is newer, so nothing shows twice, whatever order the
// events, the catch-up and the API answers arrive in.
//
// Customer text is only ever put on the page with textContent.
//
// For other scripts (supervision, screen mirroring) this page tells what the agent does:
//   document "cc:inbox" CustomEvent, detail {type: "open"|"draft"|"scroll", interaction, …}.
(function () {
  "use strict";

  var root = document.getElementById("inbox");
  if (!root) { return; }
  var config = JSON.parse(document.getElementById("inbox-config").textContent);
  var _ = window.gettext || function (s) { return s; };
  var ngettext = window.ngettext || function (s, p, n) { return n === 1 ? s : p; };
  var interpolate = window.interpolate || function (fmt, obj) {
    return fmt.replace(/%\((\w+)\)s/g, function (m, k) { return String(obj[k]); });
  };
  var API = "/api/v1/";
  var LANG = document.documentElement.lang || undefined;

  var campaigns = {};
  config.campaigns.forEach(function (c) { campaigns[c.id] = c; });

  function $(id) { return document.getElementById(id); }
  var list = $("interaction-list");
  var pane = $("conversation");
  var messageList = $("message-list");
  var composer = $("composer");
  var text = $("composer-text");
  var counter = $("composer-counter");
  var announcer = $("inbox-announcer");

  // ------------------------------------------------------------------ helpers
  function csrf() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // fetch JSON; resolves {ok, status, data}; rejects only when the network failed.
  function api(method, path, body) {
    var options = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRFToken"] = csrf();
      options.body = JSON.stringify(body);
    }
    return fetch(path.indexOf("http") === 0 || path.charAt(0) === "/" ? path : API + path, options)
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return { ok: response.ok, status: response.status, data: data };
        });
      });
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined && content !== null) { node.textContent = content; }
    return node;
  }

  function icon(name) {
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("class", "bi");
    var use = document.createElementNS("http://www.w3.org/2000/svg", "use");
    use.setAttribute("href", config.icons + "#" + name);
    svg.appendChild(use);
    return svg;
  }

  // Dates in the user's time zone (the browser's) and language.
  var timeFormat = new Intl.DateTimeFormat(LANG, { hour: "2-digit", minute: "2-digit" });
  var dateTimeFormat = new Intl.DateTimeFormat(LANG, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  var fullFormat = new Intl.DateTimeFormat(LANG, { dateStyle: "full", timeStyle: "medium" });
  function shortTime(iso) {
    if (!iso) { return ""; }
    var d = new Date(iso);
    return d.toDateString() === new Date().toDateString() ? timeFormat.format(d) : dateTimeFormat.format(d);
  }

  function announce(message) {
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = message; }, 50);
  }

  function emit(detail) { document.dispatchEvent(new CustomEvent("cc:inbox", { detail: detail })); }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  // ------------------------------------------------------------------ the list
  var rows = {};      // id → interaction summary (inbox entry)
  var searchQuery = "";

  function campaignName(row) {
    return row.campaign_name || (campaigns[row.campaign] && campaigns[row.campaign].name) || "";
  }

  function sortedRows() {
    return Object.keys(rows).map(function (k) { return rows[k]; }).sort(function (a, b) {
      var ao = a.state === "closed" ? 1 : 0, bo = b.state === "closed" ? 1 : 0;
      if (ao !== bo) { return ao - bo; }
      if (a.last_activity_at !== b.last_activity_at) { return a.last_activity_at < b.last_activity_at ? 1 : -1; }
      return b.id - a.id;
    });
  }

  function matchesSearch(row) {
    if (!searchQuery) { return true; }
    var q = searchQuery.toLowerCase();
    var digits = q.replace(/\D/g, "").replace(/^0+/, "");
    return campaignName(row).toLowerCase().indexOf(q) !== -1 ||
      (digits.length >= 3 && row.number.indexOf(digits) !== -1);
  }

  function renderRow(row) {
    var li = el("li", "interaction-row");
    li.dataset.interactionId = row.id;
    li.dataset.state = row.state;
    var button = el("button", "row-button");
    button.type = "button";
    var top = el("span", "row-top");
    top.appendChild(el("span", "row-campaign", campaignName(row)));
    top.appendChild(el("time", "row-time", shortTime(row.last_activity_at)));
    var middle = el("span", "row-middle");
    middle.appendChild(el("span", "row-number", row.number));
    if (row.state === "closed") { middle.appendChild(el("span", "row-closed", _("closed"))); }
    if (row.unread > 0) {
      var badge = el("span", "unread-badge", String(row.unread));
      badge.setAttribute("aria-label", interpolate(ngettext("%(n)s unread message", "%(n)s unread messages", row.unread), { n: row.unread }, true));
      middle.appendChild(badge);
    }
    var preview = el("span", "row-preview", row.preview || "");
    button.appendChild(top);
    button.appendChild(middle);
    button.appendChild(preview);
    button.addEventListener("click", function () { openInteraction(row.id); });
    li.appendChild(button);
    if (String(row.id) === pane.dataset.interactionId) { li.classList.add("active"); button.setAttribute("aria-current", "true"); }
    return li;
  }

  function renderList() {
    var focused = document.activeElement && document.activeElement.closest("#interaction-list [data-interaction-id]");
    var focusedId = focused ? focused.dataset.interactionId : null;
    var items = sortedRows().filter(matchesSearch);
    list.replaceChildren.apply(list, items.map(renderRow));
    $("list-empty").hidden = items.length > 0;
    if (focusedId) {
      var again = list.querySelector('[data-interaction-id="' + focusedId + '"] button');
      if (again) { again.focus(); }
    }
    updateTitle();
  }

  function loadList() {
    var path = "interactions/inbox/" + (searchQuery ? "?q=" + encodeURIComponent(searchQuery) : "");
    return api("GET", path).then(function (answer) {
      if (!answer.ok) { return; }
      var fresh = {};
      answer.data.forEach(function (row) { fresh[row.id] = row; });
      // Keep rows the search hides: the list is one page of what the agent holds.
      if (searchQuery) { Object.keys(rows).forEach(function (k) { if (!fresh[k]) { fresh[k] = rows[k]; } }); }
      rows = fresh;
      renderList();
      var open = pane.dataset.interactionId;
      if (open && rows[open]) { showHeader(rows[open]); }
    });
  }

  function upsertRow(payload, extra) {
    var row = rows[payload.id] || { preview: "", composer_closed: "" };
    if (row.seq !== undefined && payload.seq !== undefined && payload.seq < row.seq) { return row; }
    ["id", "campaign", "number", "state", "unread", "last_activity_at", "closed_at", "seq"].forEach(function (k) {
      if (payload[k] !== undefined) { row[k] = payload[k]; }
    });
    if (!row.campaign_name && campaigns[row.campaign]) { row.campaign_name = campaigns[row.campaign].name; }
    if (!row.encoding) { row.encoding = campaigns[row.campaign] ? campaigns[row.campaign].encoding : "auto"; }
    if (extra) { Object.keys(extra).forEach(function (k) { row[k] = extra[k]; }); }
    if (row.state === "closed") { row.composer_closed = _("This interaction is closed."); }
    rows[row.id] = row;
    return row;
  }

  var searchTimer = null;
  $("inbox-search").addEventListener("input", function (event) {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(function () {
      searchQuery = event.target.value.trim();
      renderList();
      loadList();
    }, 250);
  });

  // ------------------------------------------------------------------ the conversation
  var messages = {};       // id → message, of the open interaction
  var lastSeq = 0;         // highest seq applied for the open interaction
  var olderLink = null;    // the API's "previous" page of the open interaction
  var loadingOlder = false;
  var pending = {};        // key → {text, interaction, state}: replies not yet stored

  function authorLabel(message) {
    if (message.author === "customer") { return _("Customer"); }
    if (message.author === "bot") {
      var kinds = { out_of_time: _("Out-of-time reply"), dialer: _("Dialer"), sendsms: _("SendSMS") };
      return kinds[message.bot_kind] || _("System");
    }
    if (message.agent === config.me) { return _("Me"); }
    return message.agent_name || _("Another agent");
  }

  var deliveryLabels = {
    queued: _("Queued"), sent: _("Sent"), delivered: _("Delivered"), failed: _("Not delivered"),
    waiting: _("Waiting for the connection: it will be sent when it is back")
  };
  var deliveryIcons = { queued: "clock", sent: "check2", delivered: "check2-all", failed: "exclamation-circle", waiting: "wifi-off" };

  function tick(state) {
    var span = el("span", "tick tick-" + state);
    span.dataset.delivery = state;
    span.appendChild(icon(deliveryIcons[state]));
    span.appendChild(el("span", "tick-label", deliveryLabels[state]));
    return span;
  }

  function bubble(message, options) {
    var mine = message.direction === "out" && message.author === "agent" && message.agent === config.me;
    var kind = message.direction === "in" ? "customer" : (message.author === "bot" ? "bot" : (mine ? "mine" : "agent"));
    var node = el("article", "bubble bubble-" + kind);
    if (message.id) { node.dataset.messageId = message.id; }
    if (message.key) { node.dataset.key = message.key; }
    var head = el("header", "bubble-head");
    head.appendChild(el("span", "bubble-author", authorLabel(message)));
    var when = el("time", "bubble-time", shortTime(message.created_at));
    if (message.created_at) {
      when.dateTime = message.created_at;
      when.title = fullFormat.format(new Date(message.created_at));
    }
    head.appendChild(when);
    node.appendChild(head);
    node.appendChild(el("p", "bubble-text", message.text));
    if (message.direction === "out" && message.delivery) {
      var foot = el("footer", "bubble-foot");
      foot.appendChild(tick(message.delivery));
      if (message.delivery === "failed") {
        foot.appendChild(el("span", "bubble-error", plainError(message.error)));
        if (!(options && options.readOnly) && kind === "mine") {
          var retry = el("button", "retry-button", _("Retry"));
          retry.type = "button";
          retry.addEventListener("click", function () { retryMessage(message.id, retry); });
          foot.appendChild(retry);
        }
      } else if (message.delivery === "queued" && message.error) {
        foot.appendChild(el("span", "bubble-error", interpolate(_("Trying again: %(error)s"), { error: message.error }, true)));
      }
      node.appendChild(foot);
    }
    return node;
  }

  function plainError(error) {
    if (!error) { return _("The provider did not deliver it."); }
    return interpolate(_("The provider refused it: %(error)s"), { error: error }, true);
  }

  function retryMessage(id, button) {
    button.disabled = true;
    api("POST", "messages/" + id + "/retry", {}).then(function (answer) {
      if (answer.ok) { applyMessage(answer.data); return; }
      button.disabled = false;
      showComposerError(answer.data.detail || _("It could not be sent again."));
    }, function () {
      button.disabled = false;
      showComposerError(_("No connection: try again in a moment."));
    });
  }

  function nearBottom() { return messageList.scrollHeight - messageList.scrollTop - messageList.clientHeight < 80; }
  function scrollToBottom() { messageList.scrollTop = messageList.scrollHeight; }

  // Put one message on screen (new, or a newer state of one shown), in id order.
  function applyMessage(message) {
    if (String(message.interaction) !== pane.dataset.interactionId) { return; }
    var known = messages[message.id];
    if (known && known.seq > message.seq) { return; }
    if (message.seq > lastSeq) { lastSeq = message.seq; }
    var oldestShown = messageList.querySelector("[data-message-id]");
    if (!known && oldestShown && olderLink && message.id < Number(oldestShown.dataset.messageId)) {
      return; // older than the loaded pages: it shows when the agent scrolls up to it
    }
    messages[message.id] = message;
    if (message.key && pending[message.key]) { delete pending[message.key]; }
    var stick = nearBottom();
    var node = bubble(message);
    var existing = messageList.querySelector('[data-message-id="' + message.id + '"]');
    var pendingNode = message.key ? messageList.querySelector('[data-pending-key="' + message.key + '"]') : null;
    if (existing) { existing.replaceWith(node); if (pendingNode) { pendingNode.remove(); } return; }
    if (pendingNode) { pendingNode.replaceWith(node); return; }
    var after = null;
    messageList.querySelectorAll("[data-message-id]").forEach(function (other) {
      if (!after && Number(other.dataset.messageId) > message.id) { after = other; }
    });
    var firstPending = messageList.querySelector("[data-pending-key]");
    messageList.insertBefore(node, after || firstPending);
    if (stick || message.agent === config.me) { scrollToBottom(); }
  }

  function showHeader(row) {
    $("conversation-campaign").textContent = campaignName(row);
    $("conversation-number").textContent = row.number;
    $("conversation-state").textContent = row.state === "closed" ? _("Closed") : "";
    $("close-button").hidden = row.state === "closed";
    watchWindow(row);
    var reason = row.composer_closed || "";
    $("composer-closed").textContent = reason;
    $("composer-closed").hidden = !reason;
    text.disabled = !!reason;
    $("send-button").disabled = !!reason;
    $("emoji-button").disabled = !!reason;
    $("preset-button").disabled = !!reason;
    updateCounter();
  }

  // WhatsApp allows free text only for a while after the customer's last message: the list
  // gives each row's window_closes_at (null on SMS). The open conversation's composer closes
  // by itself when that moment passes, and opens again when the customer writes.
  var windowTimer = null;
  function watchWindow(row) {
    window.clearTimeout(windowTimer);
    windowTimer = null;
    if (!row.window_closes_at || row.state === "closed" || row.composer_closed) { return; }
    var left = Date.parse(row.window_closes_at) - Date.now();
    if (left <= 0) { row.composer_closed = config.whatsapp_window.closed; return; }
    windowTimer = window.setTimeout(function () {
      var current = rows[row.id]; // the list may have been refetched meanwhile
      if (current && pane.dataset.interactionId === String(row.id)) { showHeader(current); }
    }, Math.min(left + 50, 2147483647));
  }

  function customerWrote(row, message) {
    if (row.window_closes_at) {
      var end = Date.parse(message.created_at) + config.whatsapp_window.hours * 3600 * 1000;
      row.window_closes_at = new Date(end).toISOString();
    }
  }

  function openInteraction(id, options) {
    var row = rows[id];
    if (!row) { return; }
    id = String(id);
    var same = pane.dataset.interactionId === id;
    pane.dataset.interactionId = id;
    root.dataset.view = "conversation";
    $("conversation-placeholder").hidden = true;
    $("conversation-head").hidden = false;
    messageList.hidden = false;
    composer.hidden = false;
    closePopups();
    showHeader(row);
    list.querySelectorAll("[data-interaction-id]").forEach(function (li) {
      var active = li.dataset.interactionId === id;
      li.classList.toggle("active", active);
      var b = li.querySelector("button");
      if (active) { b.setAttribute("aria-current", "true"); } else { b.removeAttribute("aria-current"); }
    });
    emit({ type: "open", interaction: Number(id) });
    if (!same) {
      messages = {};
      lastSeq = 0;
      olderLink = null;
      messageList.replaceChildren();
      showPendingOf(id);
      loadLatest(id);
    }
    markRead(row);
    if (!(options && options.keepFocus)) { text.disabled ? messageList.focus() : text.focus(); }
  }

  function loadLatest(id) {
    return api("GET", "interactions/" + id + "/messages/?latest=true").then(function (answer) {
      if (!answer.ok || pane.dataset.interactionId !== String(id)) { return; }
      olderLink = answer.data.previous;
      answer.data.results.forEach(applyMessage);
      scrollToBottom();
    });
  }

  function loadOlder() {
    if (!olderLink || loadingOlder) { return; }
    loadingOlder = true;
    var id = pane.dataset.interactionId;
    var link = olderLink;
    api("GET", link).then(function (answer) {
      loadingOlder = false;
      if (!answer.ok || pane.dataset.interactionId !== id) { return; }
      olderLink = answer.data.previous;
      var before = messageList.scrollHeight;
      var first = messageList.firstChild;
      answer.data.results.forEach(function (message) {
        if (messages[message.id]) { return; }
        messages[message.id] = message;
        if (message.seq > lastSeq) { lastSeq = message.seq; }
        messageList.insertBefore(bubble(message), first);
      });
      messageList.scrollTop += messageList.scrollHeight - before;
    }, function () { loadingOlder = false; });
  }

  // Changes missed while the socket was down (or a tab slept): by seq, each once.
  function catchUp(id, link) {
    var path = link || "interactions/" + id + "/messages/?after=" + lastSeq;
    return api("GET", path).then(function (answer) {
      if (!answer.ok || pane.dataset.interactionId !== String(id)) { return; }
      answer.data.results.forEach(applyMessage);
      if (answer.data.next) { return catchUp(id, answer.data.next); }
    });
  }

  var scrollTimer = null;
  messageList.addEventListener("scroll", function () {
    if (messageList.scrollTop < 60) { loadOlder(); }
    window.clearTimeout(scrollTimer);
    scrollTimer = window.setTimeout(function () {
      var range = messageList.scrollHeight - messageList.clientHeight;
      var top = range > 0 ? messageList.scrollTop / range : 1;
      emit({ type: "scroll", interaction: Number(pane.dataset.interactionId), top: Math.max(0, Math.min(1, top)) });
    }, 100);
  });

  function markRead(row) {
    if (!row || !row.unread || row.state === "closed" || document.hidden) { return; }
    row.unread = 0;
    renderList();
    api("POST", "interactions/" + row.id + "/read", {}).catch(function () {});
  }

  $("back-button").addEventListener("click", backToList);
  function backToList() {
    root.dataset.view = "list";
    var active = list.querySelector(".active button") || $("inbox-search");
    active.focus();
  }

  // ------------------------------------------------------------------ sending
  // A reply is shown at once as pending; it is stored with an idempotency key (one per message
  // typed), so sending it again after a lost connection, or twice, stores it once.
  function showPendingOf(id) {
    Object.keys(pending).forEach(function (key) {
      if (String(pending[key].interaction) === String(id)) { messageList.appendChild(pendingBubble(key)); }
    });
  }

  function pendingBubble(key) {
    var item = pending[key];
    var node = bubble({ direction: "out", author: "agent", agent: config.me, text: item.text,
                        created_at: item.created_at, delivery: item.state });
    node.dataset.pendingKey = key;
    node.classList.add("bubble-pending");
    return node;
  }

  function refreshPending(key) {
    var node = messageList.querySelector('[data-pending-key="' + key + '"]');
    if (node && pending[key]) { node.replaceWith(pendingBubble(key)); }
  }

  function online() { return document.body.dataset.live === "connected"; }

  function sendPending(key) {
    var item = pending[key];
    if (!item || item.sending) { return; }
    if (!online()) { item.state = "waiting"; refreshPending(key); return; }
    item.sending = true;
    api("POST", "interactions/" + item.interaction + "/reply", { text: item.text, key: key }).then(function (answer) {
      item.sending = false;
      if (answer.ok) {
        if (String(answer.data.interaction) === pane.dataset.interactionId) { applyMessage(answer.data); }
        delete pending[key];
        return;
      }
      if (answer.status >= 500) { item.state = "waiting"; refreshPending(key); return; }
      // Refused (400, 409): not stored. The text goes back to the composer with the reason.
      delete pending[key];
      var node = messageList.querySelector('[data-pending-key="' + key + '"]');
      if (node) { node.remove(); }
      var reason = answer.data.detail || (answer.data.text && answer.data.text[0]) || _("The message was not sent.");
      showComposerError(reason);
      if (!text.value && String(item.interaction) === pane.dataset.interactionId) { text.value = item.text; updateCounter(); }
    }, function () {
      item.sending = false;
      item.state = "waiting";
      refreshPending(key);
    });
  }

  function flushPending() { Object.keys(pending).forEach(sendPending); }
  window.setInterval(function () { if (online()) { flushPending(); } }, 5000);

  function send() {
    var value = text.value;
    var id = pane.dataset.interactionId;
    if (!id || !value.trim() || text.disabled) { return; }
    var info = currentInfo();
    if (info.error) { return; }
    hideComposerError();
    var key = newKey();
    pending[key] = { text: value, interaction: Number(id), created_at: new Date().toISOString(),
                     state: online() ? "queued" : "waiting" };
    text.value = "";
    updateCounter();
    emit({ type: "draft", interaction: Number(id), text: "" });
    messageList.appendChild(pendingBubble(key));
    scrollToBottom();
    sendPending(key);
  }

  composer.addEventListener("submit", function (event) { event.preventDefault(); send(); });

  function showComposerError(message) {
    $("composer-error").textContent = message;
    $("composer-error").hidden = false;
  }
  function hideComposerError() { $("composer-error").hidden = true; }

  // ------------------------------------------------------------------ composer: counter
  function currentInfo() {
    var row = rows[pane.dataset.interactionId];
    return window.ccSms.segmentInfo(text.value, row ? row.encoding : "auto");
  }

  function updateCounter() {
    var value = text.value;
    var info = currentInfo();
    var chars = Array.from(value).length;
    if (info.error) {
      counter.textContent = interpolate(_("This provider sends GSM-7 only; remove: %(chars)s"), { chars: info.bad.join(" ") }, true);
      counter.classList.add("over");
      return;
    }
    var names = { GSM7: "GSM-7", UCS2: "UCS-2" };
    counter.textContent = interpolate(
      ngettext("%(chars)s characters · %(encoding)s · %(segments)s segment", "%(chars)s characters · %(encoding)s · %(segments)s segments", info.segments),
      { chars: chars, encoding: names[info.encoding], segments: info.segments }, true);
    counter.classList.toggle("over", chars > config.max_length);
    counter.dataset.encoding = info.encoding;
    counter.dataset.segments = info.segments;
  }

  text.addEventListener("input", function () {
    updateCounter();
    hideComposerError();
    emit({ type: "draft", interaction: Number(pane.dataset.interactionId), text: text.value });
    presetFromSlash();
  });

  text.addEventListener("keydown", function (event) {
    if (!$("preset-menu").hidden && presetKeys(event)) { return; }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    } else if (event.altKey && (event.key === "e" || event.key === "E")) {
      event.preventDefault();
      toggleEmoji();
    }
  });

  function insertAtCursor(value, from, to) {
    var start = from !== undefined ? from : text.selectionStart;
    var end = to !== undefined ? to : text.selectionEnd;
    text.setRangeText(value, start, end, "end");
    text.focus();
    text.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // ------------------------------------------------------------------ pre-set responses
  var presetSlash = null; // {start, end}: the "/word" typed, replaced by the chosen response

  function presetsOfOpen() {
    var row = rows[pane.dataset.interactionId];
    return row && campaigns[row.campaign] ? campaigns[row.campaign].presets : [];
  }

  function showPresets(filter) {
    var menu = $("preset-menu");
    var items = presetsOfOpen().filter(function (p) {
      return !filter || (p.title + " " + p.text).toLowerCase().indexOf(filter.toLowerCase()) !== -1;
    });
    menu.replaceChildren();
    if (!items.length) {
      menu.appendChild(el("p", "popup-empty", presetsOfOpen().length ? _("No pre-set response matches.") : _("This campaign has no pre-set responses.")));
    }
    items.forEach(function (preset, index) {
      var option = el("div", "preset-option");
      option.setAttribute("role", "option");
      option.id = "preset-option-" + index;
      option.appendChild(el("strong", "", preset.title));
      option.appendChild(el("span", "", preset.text));
      option.addEventListener("mousedown", function (event) { event.preventDefault(); choosePreset(preset); });
      menu.appendChild(option);
    });
    menu.hidden = false;
    $("preset-button").setAttribute("aria-expanded", "true");
    highlightPreset(0);
  }

  function highlightPreset(index) {
    var options = $("preset-menu").querySelectorAll("[role=option]");
    options.forEach(function (o, i) { o.setAttribute("aria-selected", i === index ? "true" : "false"); });
    if (options[index]) { text.setAttribute("aria-activedescendant", options[index].id); options[index].scrollIntoView({ block: "nearest" }); }
  }

  function presetKeys(event) {
    var options = Array.prototype.slice.call($("preset-menu").querySelectorAll("[role=option]"));
    var current = options.findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var next = current + (event.key === "ArrowDown" ? 1 : -1);
      highlightPreset((next + options.length) % Math.max(options.length, 1));
      return true;
    }
    if ((event.key === "Enter" || event.key === "Tab") && current >= 0) {
      event.preventDefault();
      var filtered = presetsOfOpen().filter(function (p) {
        var f = presetSlash ? text.value.slice(presetSlash.start + 1, text.selectionStart) : "";
        return !f || (p.title + " " + p.text).toLowerCase().indexOf(f.toLowerCase()) !== -1;
      });
      choosePreset(filtered[current]);
      return true;
    }
    if (event.key === "Escape") { event.preventDefault(); hidePresets(); return true; }
    return false;
  }

  function choosePreset(preset) {
    if (!preset) { return; }
    var slash = presetSlash;
    hidePresets();
    if (slash) { insertAtCursor(preset.text, slash.start, text.selectionStart); }
    else { insertAtCursor(preset.text); }
  }

  function hidePresets() {
    $("preset-menu").hidden = true;
    $("preset-button").setAttribute("aria-expanded", "false");
    text.removeAttribute("aria-activedescendant");
    presetSlash = null;
  }

  // "/" at the start of the text or after a space opens the responses; what follows filters.
  function presetFromSlash() {
    var upto = text.value.slice(0, text.selectionStart);
    var match = upto.match(/(^|\s)\/([^\s/]*)$/);
    if (!match) { if (presetSlash) { hidePresets(); } return; }
    presetSlash = { start: upto.length - match[2].length - 1 };
    showPresets(match[2]);
  }

  $("preset-button").addEventListener("click", function () {
    if (!$("preset-menu").hidden) { hidePresets(); return; }
    closePopups();
    presetSlash = null;
    text.focus();
    showPresets("");
  });

  // ------------------------------------------------------------------ emoji
  function toggleEmoji() {
    var panel = $("emoji-panel");
    if (!panel.hidden) { panel.hidden = true; $("emoji-button").setAttribute("aria-expanded", "false"); text.focus(); return; }
    closePopups();
    document.dispatchEvent(new CustomEvent("cc:emoji-panel"));
    panel.hidden = false;
    $("emoji-button").setAttribute("aria-expanded", "true");
    window.setTimeout(function () {
      var picker = panel.querySelector("emoji-picker");
      var search = picker && picker.shadowRoot && picker.shadowRoot.querySelector("input");
      if (search) { search.focus(); }
    }, 200);
  }
  $("emoji-button").addEventListener("click", toggleEmoji);
  document.addEventListener("cc:emoji", function (event) {
    $("emoji-panel").hidden = true;
    $("emoji-button").setAttribute("aria-expanded", "false");
    insertAtCursor(event.detail.unicode);
  });

  function closePopups() {
    hidePresets();
    $("emoji-panel").hidden = true;
    $("emoji-button").setAttribute("aria-expanded", "false");
    $("history-menu").hidden = true;
    $("history-button").setAttribute("aria-expanded", "false");
  }

  // ------------------------------------------------------------------ actions
  $("close-button").addEventListener("click", function () {
    var id = pane.dataset.interactionId;
    var button = $("close-button");
    button.disabled = true;
    api("POST", "interactions/" + id + "/close", {}).then(function (answer) {
      button.disabled = false;
      if (answer.ok) {
        upsertRow(answer.data);
        renderList();
        if (pane.dataset.interactionId === String(id)) { showHeader(rows[id]); }
        announce(_("Interaction closed."));
      } else {
        showComposerError(answer.data.detail || _("It could not be closed."));
      }
    }, function () { button.disabled = false; showComposerError(_("No connection: try again in a moment.")); });
  });

  // The customer's previous interactions (three-dot menu), opened read-only in a dialog.
  $("history-button").addEventListener("click", function () {
    var menu = $("history-menu");
    if (!menu.hidden) { closePopups(); return; }
    closePopups();
    var id = pane.dataset.interactionId;
    var listNode = $("history-list");
    listNode.replaceChildren(el("li", "popup-empty", _("Loading…")));
    menu.hidden = false;
    $("history-button").setAttribute("aria-expanded", "true");
    api("GET", "interactions/" + id + "/history/").then(function (answer) {
      listNode.replaceChildren();
      if (!answer.ok || !answer.data.length) {
        listNode.appendChild(el("li", "popup-empty", _("No previous interactions with this customer.")));
        return;
      }
      answer.data.forEach(function (item) {
        var li = el("li");
        var b = el("button", "history-item");
        b.type = "button";
        b.appendChild(el("strong", "", item.campaign_name));
        b.appendChild(el("span", "", shortTime(item.opened_at) + (item.agent_name ? " · " + item.agent_name : "")));
        b.addEventListener("click", function () { openHistory(id, item); });
        li.appendChild(b);
        listNode.appendChild(li);
      });
      var first = listNode.querySelector("button");
      if (first) { first.focus(); }
    });
  });

  function openHistory(id, item) {
    closePopups();
    var dialog = $("history-dialog");
    $("history-title").textContent = item.campaign_name + " · " + item.number + " · " + shortTime(item.opened_at);
    var box = $("history-messages");
    box.replaceChildren(el("p", "popup-empty", _("Loading…")));
    dialog.showModal();
    api("GET", "interactions/" + id + "/history/" + item.id + "/messages/?latest=true").then(function (answer) {
      box.replaceChildren();
      if (!answer.ok) { return; }
      answer.data.results.forEach(function (message) { box.appendChild(bubble(message, { readOnly: true })); });
      box.scrollTop = box.scrollHeight;
    });
  }
  $("history-close").addEventListener("click", function () { $("history-dialog").close(); });

  // Start interaction dialog: validation errors shown next to their fields.
  var startDialog = $("start-dialog");
  function openStart() {
    ["campaign", "number", "text"].forEach(function (f) { $("start-" + f + "-error").hidden = true; });
    $("start-error").hidden = true;
    startDialog.showModal();
    $("start-number").focus();
  }
  $("start-button").addEventListener("click", openStart);
  $("start-cancel").addEventListener("click", function () { startDialog.close(); });
  $("start-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var submit = $("start-submit");
    submit.disabled = true;
    var body = { campaign: Number($("start-campaign").value) || 0, number: $("start-number").value, text: $("start-text").value };
    api("POST", "interactions/", body).then(function (answer) {
      submit.disabled = false;
      ["campaign", "number", "text"].forEach(function (f) {
        var box = $("start-" + f + "-error");
        var problem = !answer.ok && answer.data[f];
        box.textContent = problem ? [].concat(problem).join(" ") : "";
        box.hidden = !problem;
        $("start-" + f).setAttribute("aria-invalid", problem ? "true" : "false");
        if (problem) { $("start-" + f).setAttribute("aria-describedby", "start-" + f + "-error"); }
      });
      var general = !answer.ok && (answer.data.detail || answer.data.non_field_errors);
      $("start-error").textContent = general ? [].concat(general).join(" ") : "";
      $("start-error").hidden = !general;
      if (!answer.ok) {
        var firstBad = startDialog.querySelector("[aria-invalid=true]");
        if (firstBad) { firstBad.focus(); }
        return;
      }
      startDialog.close();
      $("start-number").value = "";
      $("start-text").value = "";
      upsertRow(answer.data, { preview: body.text, preview_author: "agent" });
      renderList();
      openInteraction(answer.data.id);
    }, function () {
      submit.disabled = false;
      $("start-error").textContent = _("No connection: try again in a moment.");
      $("start-error").hidden = false;
    });
  });

  // Agent state: Free, or a break of a named type. The header badge shows the derived state.
  var stateSelect = $("state-select");
  function showState(state) {
    if (!state) { return; }
    var value = state.break_type ? "break:" + state.break_type : "free";
    if (stateSelect.querySelector('option[value="' + CSS.escape(value) + '"]')) { stateSelect.value = value; }
  }
  api("GET", "agents/me/state").then(function (answer) { if (answer.ok) { showState(answer.data); } });
  stateSelect.addEventListener("change", function () {
    var value = stateSelect.value;
    var body = value === "free" ? { state: "free" } : { state: "free_on_break", break_type: value.slice(6) };
    api("POST", "agents/me/state", body).then(function (answer) {
      if (answer.ok) { showState(answer.data); announce(config.states[answer.data.state] || answer.data.state); }
    });
  });

  // ------------------------------------------------------------------ live events
  var hiddenUnread = 0;
  var baseTitle = document.title;
  function updateTitle() {
    document.title = hiddenUnread > 0 ? "(" + hiddenUnread + ") " + baseTitle : baseTitle;
  }

  function notify(row, message) {
    var who = row ? row.number : "";
    announce(interpolate(_("New message from %(number)s: %(text)s"), { number: who, text: message.text.slice(0, 140) }, true));
    alertHidden(who, message, 1);
  }

  // A hidden tab: the title counts the new messages, and the browser shows a notification.
  function alertHidden(who, message, count) {
    if (!document.hidden) { return; }
    hiddenUnread += count;
    updateTitle();
    if (window.Notification && Notification.permission === "granted") {
      try {
        var note = new Notification(interpolate(_("New message from %(number)s"), { number: who }, true),
                                    { body: message.text.slice(0, 200), tag: "interaction-" + message.interaction });
        note.onclick = function () { window.focus(); openInteraction(message.interaction); note.close(); };
      } catch (e) { /* some browsers allow notifications from a service worker only */ }
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { return; }
    hiddenUnread = 0;
    updateTitle();
    var open = rows[pane.dataset.interactionId];
    if (open) { markRead(open); }
  });

  // Ask once, on the agent's first action on the page (browsers ignore asks without one).
  function askNotifications() {
    document.removeEventListener("click", askNotifications, true);
    document.removeEventListener("keydown", askNotifications, true);
    try {
      if (window.Notification && Notification.permission === "default" && !localStorage.getItem("cc-notify-asked")) {
        localStorage.setItem("cc-notify-asked", "1");
        Notification.requestPermission();
      }
    } catch (e) { /* storage or notifications unavailable */ }
  }
  document.addEventListener("click", askNotifications, true);
  document.addEventListener("keydown", askNotifications, true);

  function takenAway(payload) {
    delete rows[payload.id];
    renderList();
    if (pane.dataset.interactionId === String(payload.id)) {
      $("composer-closed").textContent = _("This interaction is no longer assigned to you.");
      $("composer-closed").hidden = false;
      text.disabled = true;
      $("send-button").disabled = true;
      $("close-button").hidden = true;
    }
  }

  var handlers = {
    "interaction.assigned": function (payload) {
      if (payload.agent !== config.me) { takenAway(payload); return; }
      var isNew = !rows[payload.id];
      upsertRow(payload);
      renderList();
      // A new row's last message (the customer's) was published before it was assigned to me:
      // the list brings it (the preview), and with it what a hidden tab notifies.
      if (isNew) {
        countSince(payload.id, Infinity); // counted below, from its own refetch
        announce(interpolate(_("New interaction: %(number)s"), { number: payload.number }, true));
        loadList().then(function () {
          var fresh = rows[payload.id];
          if (fresh && fresh.unread > 0 && fresh.preview_author === "customer") {
            alertHidden(fresh.number, { text: fresh.preview, interaction: fresh.id }, fresh.unread);
          }
        }, function () { /* offline: the catch-up after the reconnect brings the row */ });
      }
    },
    "interaction.closed": function (payload) {
      if (payload.agent !== config.me) { takenAway(payload); return; }
      var row = upsertRow(payload);
      renderList();
      if (pane.dataset.interactionId === String(payload.id)) { showHeader(row); }
    },
    "interaction.queued": function (payload) { takenAway(payload); },
    "interaction.updated": function (payload) {
      if (payload.agent !== config.me) { return; }
      if (!rows[payload.id]) { return; }
      upsertRow(payload);
      renderList();
    },
    "message.new": function (payload) { messageEvent(payload, true); },
    "message.delivery": function (payload) { messageEvent(payload, false); },
    "agent.state": function (payload) { showState(payload); }
  };

  function messageEvent(payload, isNew) {
    var summary = payload.interaction, message = payload.message;
    if (summary.agent !== config.me) { return; }
    var had = rows[summary.id];
    var extra = isNew ? { preview: message.text.slice(0, 120), preview_author: message.author } : undefined;
    if (isNew && message.direction === "in") { extra.composer_closed = ""; }
    var row = upsertRow(summary, extra);
    if (isNew && message.direction === "in") { customerWrote(row, message); }
    if (!had && isNew) { loadList(); }
    renderList();
    var open = pane.dataset.interactionId === String(summary.id);
    if (open) {
      applyMessage(message);
      if (isNew && message.direction === "in") { showHeader(row); markRead(row); }
    }
    if (isNew && message.direction === "in") { notify(row, message); countSince(summary.id, 1); }
  }

  document.addEventListener("cc:event", function (event) {
    var handler = handlers[event.detail.kind];
    if (handler) { handler(event.detail.payload); }
  });

  function showLive(state) {
    var status = $("live-status");
    var labels = { connected: "", disconnected: _("Offline: reconnecting…"), "signed-out": _("Signed out") };
    status.textContent = labels[state] || "";
    status.dataset.state = state;
  }
  document.addEventListener("cc:socket", function (event) { showLive(event.detail.state); });
  showLive(document.body.dataset.live || "");

  // Customer messages that came while the socket was down reach a hidden tab's title and
  // notifications too: after a reconnect, what each row's unread count grew by in the refetched
  // list, less what the socket's own events counted meanwhile.
  var counted = null; // row id → customer messages counted since the snapshot
  function countSince(id, count) { if (counted) { counted[id] = (counted[id] || 0) + count; } }

  document.addEventListener("cc:reconnected", function () {
    var before = {};
    Object.keys(rows).forEach(function (k) { before[k] = rows[k].unread || 0; });
    counted = {};
    loadList().then(function () {
      Object.keys(rows).forEach(function (k) {
        var row = rows[k];
        var more = (row.unread || 0) - (before[k] || 0) - (counted[k] || 0);
        if (more > 0 && row.state !== "closed" && row.preview_author === "customer") {
          alertHidden(row.number, { text: row.preview, interaction: row.id }, more);
        }
      });
      counted = null;
    }, function () { counted = null; });
    var open = pane.dataset.interactionId;
    if (open) { catchUp(open); }
    flushPending();
  });

  // ------------------------------------------------------------------ keyboard
  function typing(target) {
    return target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable);
  }

  function move(step) {
    var items = Array.prototype.slice.call(list.querySelectorAll("[data-interaction-id]"));
    if (!items.length) { return; }
    var index = items.findIndex(function (li) { return li.dataset.interactionId === pane.dataset.interactionId; });
    var next = items[Math.max(0, Math.min(items.length - 1, index + step))];
    openInteraction(next.dataset.interactionId, { keepFocus: true });
    next.querySelector("button").focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      var open = !$("preset-menu").hidden || !$("emoji-panel").hidden || !$("history-menu").hidden;
      if (open) { closePopups(); text.focus(); return; }
      if (root.dataset.view === "conversation" && !document.querySelector("dialog[open]")) { backToList(); }
      return;
    }
    if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey || document.querySelector("dialog[open]")) { return; }
    if (event.key === "?") { event.preventDefault(); $("help-dialog").showModal(); }
    else if (event.key === "j") { event.preventDefault(); move(1); }
    else if (event.key === "k") { event.preventDefault(); move(-1); }
    else if (event.key === "s" || event.key === "/") { event.preventDefault(); $("inbox-search").focus(); }
    else if (event.key === "r" && !text.disabled && !composer.hidden) { event.preventDefault(); text.focus(); }
    else if (event.key === "n") { event.preventDefault(); openStart(); }
  });
  $("help-button").addEventListener("click", function () { $("help-dialog").showModal(); });
  $("help-close").addEventListener("click", function () { $("help-dialog").close(); });

  document.addEventListener("click", function (event) {
    if (!event.target.closest(".menu-wrap") && !event.target.closest(".composer")) { closePopups(); }
  });

  loadList().then(function () { root.dataset.ready = "true"; });
})();
