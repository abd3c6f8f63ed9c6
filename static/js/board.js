// SMS campaign monitoring board (SPEC §5, docs/monitoring.md).
//
// One snapshot when the board opens (GET /monitoring/board/), then the board patches itself
// from the events the domain already publishes to each campaign's group (interaction.*,
// message.new, agent.state, queue.length): the server does nothing per board and per second.
// Timers (time since a state change, time on hold, and the figures that depend on the clock:
// abandoned, service level, long chats) tick here, from the times in the snapshot.
// A fresh snapshot is taken after a reconnect (events may have been missed) and at midnight
// of the configured time zone (the day's figures start again).
(function () {
  "use strict";
  var root = document.getElementById("board");
  if (!root) { return; }
  var chosen = JSON.parse(document.getElementById("board-campaigns").textContent);
  var icons = root.dataset.icons;
  var agentsUrl = root.dataset.agentsUrl;
  var csrf = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
  var WAITING_ROWS = 100;

  var STATE_LABELS = {
    disconnected: gettext("Disconnected"), free: gettext("Free"), busy: gettext("Busy"),
    free_on_break: gettext("Free, on break"), busy_on_break: gettext("Busy, on break")
  };
  var STATE_ICONS = {
    disconnected: "circle", free: "check-circle-fill", busy: "chat-dots-fill",
    free_on_break: "pause-circle-fill", busy_on_break: "pause-circle-fill"
  };
  var CHANNEL_ICONS = { sms: "chat-left-text", whatsapp: "whatsapp" };

  var snap = null;          // the last snapshot
  var campaigns = {};       // id -> campaign (thresholds, settled slots)
  var agents = {};          // id -> agent row data
  var open = {};            // interaction id -> open interaction
  var buffered = [];        // events that came before the snapshot
  var loading = false;
  var dayTimer = null;
  var selected = null;      // the agent whose panel is open
  var panelMode = null;     // "spy" | "screen" | "chat" | "info" | null
  var watching = null;      // agent id whose screen we watch
  var chart = null;

  // ------------------------------------------------------------ time and slots
  var slotFormat = null;
  function slotOf(iso) {
    var parts = slotFormat.formatToParts(new Date(ms(iso)));
    var h = 0, m = 0;
    parts.forEach(function (p) {
      if (p.type === "hour") { h = parseInt(p.value, 10) % 24; }
      if (p.type === "minute") { m = parseInt(p.value, 10); }
    });
    return Math.floor((h * 60 + m) / 15);
  }
  // Times come as ISO strings (events) or epoch milliseconds (the snapshot's open rows).
  function ms(value) {
    if (typeof value === "number") { return value; }
    if (/^[0-9]+$/.test(value)) { return parseInt(value, 10); }
    return Date.parse(value);
  }
  function isToday(iso) {
    var t = ms(iso);
    return t >= ms(snap.day_start) && t < ms(snap.day_end);
  }
  var skew = 0;  // server clock - browser clock, from the snapshot
  function now() { return Date.now() + skew; }
  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = (m < 10 ? "0" : "") + m, ss = (s < 10 ? "0" : "") + s;
    return (h ? h + ":" + mm : m) + ":" + ss;
  }
  function since(iso) { return iso ? (now() - ms(iso)) / 1000 : 0; }

  function icon(name, label) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "bi");
    svg.setAttribute("role", "img");
    if (label) {
      var title = document.createElementNS(ns, "title");
      title.textContent = label;
      svg.appendChild(title);
    }
    var use = document.createElementNS(ns, "use");
    use.setAttribute("href", icons + "#" + name);
    svg.appendChild(use);
    return svg;
  }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }

  // ------------------------------------------------------------ snapshot
  function load() {
    if (loading) { return; }
    loading = true;
    buffered = [];
    var query = chosen.map(function (id) { return "campaign=" + id; }).join("&");
    fetch(root.dataset.boardUrl + "?" + query, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        loading = false;
        start(data);
        var pending = buffered;
        buffered = [];
        pending.forEach(apply);
        render();
      })
      .catch(function () { loading = false; window.setTimeout(load, 3000); });
  }

  function start(data) {
    snap = data;
    skew = ms(data.now) - Date.now();
    slotFormat = new Intl.DateTimeFormat("en-GB", { timeZone: data.time_zone, hour: "2-digit",
                                                     minute: "2-digit", hourCycle: "h23" });
    campaigns = {}; agents = {}; open = {};
    data.campaigns.forEach(function (c) { campaigns[c.id] = c; });
    data.agents.forEach(function (a) { agents[a.id] = a; });
    data.open.forEach(function (values) {  // arrays of data.open_fields, to save bytes
      var row = {};
      data.open_fields.forEach(function (field, i) { row[field] = values[i]; });
      open[row.id] = row;
    });
    root.dataset.loaded = "1";
    if (dayTimer) { window.clearTimeout(dayTimer); }
    // Midnight in the configured zone: the day's figures start again from a new snapshot.
    dayTimer = window.setTimeout(load, Math.max(1000, ms(data.day_end) - now() + 1000));
  }

  // ------------------------------------------------------------ events
  function settle(row, counts) {
    var c = campaigns[row.campaign];
    var slots = c.slots;
    var slot = slotOf(row.opened_at);
    var s = slots[slot] || (slots[slot] = { received: 0, answered: 0, in_sl: 0, abandoned: 0, decided: 0 });
    Object.keys(counts).forEach(function (k) { s[k] += counts[k]; });
    s.received += 1; s.decided += 1;
    row.unanswered = false;
  }

  function changeInteraction(kind, p) {
    if (!campaigns[p.campaign]) { return false; }
    var row = open[p.id];
    if (row && p.seq <= row.seq) { return false; }     // older than what we show
    if (!row) {
      if (p.id <= snap.max_id || p.state === "closed") { return false; }  // in the snapshot
      row = open[p.id] = {
        id: p.id, campaign: p.campaign, number: p.number, opened_at: p.opened_at, seq: p.seq,
        channel: snap.providers[p.provider] || "sms",
        // A customer's interaction is queued first; an agent's own starts assigned.
        unanswered: kind === "interaction.queued" && isToday(p.opened_at)
      };
    }
    row.seq = p.seq;
    row.state = p.state;
    row.agent = p.agent;
    row.queued_at = p.queued_at || p.opened_at;
    row.assigned_at = p.assigned_at;
    if (p.state === "closed") {
      var c = campaigns[row.campaign];
      if (row.unanswered) {
        var waited = (ms(p.closed_at) - ms(row.opened_at)) / 1000;
        settle(row, { abandoned: waited > c.threshold_abandon ? 1 : 0 });
      }
      if (p.agent && agents[p.agent] && p.closed_at && isToday(p.closed_at)) {
        agents[p.agent].completed += 1;
      }
      delete open[p.id];
    }
    return true;
  }

  function answered(message, p) {
    var row = open[p.id];
    if (!row || !row.unanswered || message.author !== "agent") { return; }
    var c = campaigns[row.campaign];
    var wait = (ms(message.created_at) - ms(row.opened_at)) / 1000;
    settle(row, { answered: 1, in_sl: wait <= c.threshold_service_level ? 1 : 0,
                  abandoned: wait > c.threshold_abandon ? 1 : 0 });
  }

  function apply(e) {
    var p = e.payload;
    if (e.kind.indexOf("interaction.") === 0) {
      var was = open[p.id] ? open[p.id].agent : null;
      if (changeInteraction(e.kind, p)) {
        if (panelMode === "spy" && selected && (p.agent === selected || was === selected)) { spy(true); }
      }
    } else if (e.kind === "message.new") {
      changeInteraction("message.new", p.interaction);
      answered(p.message, p.interaction);
      spyMessage(p.message, p.interaction);
    } else if (e.kind === "agent.state") {
      var a = agents[p.agent];
      if (a) { a.state = p.state; a.break_type = p.break_type; a.changed_at = p.at; }
    }
  }

  var renderQueued = false;
  function render() {
    if (renderQueued) { return; }
    renderQueued = true;
    window.requestAnimationFrame(function () {
      renderQueued = false;
      renderAgents(); renderWaiting(); renderFigures(); tick();
    });
  }

  document.addEventListener("cc:event", function (event) {
    var e = event.detail;
    if (e.kind === "hello") {
      acks = 0;               // a (re)connect: the snapshot follows the subscriptions
      if (snap) { wanted = true; }
      if (watching !== null) { window.ccQueue.push({ watch: watching }); }  // a new socket
      return;
    }
    if (e.kind === "subscribed") {
      acks += 1;
      if (acks >= chosen.length && (wanted || !snap)) { wanted = false; load(); }
      return;
    }
    if (e.kind === "screen") { showScreen(e.payload); return; }
    if (e.kind === "chat.message") { chatMessage(e.payload); return; }
    if (["interaction.queued", "interaction.assigned", "interaction.closed", "interaction.updated",
         "message.new", "agent.state"].indexOf(e.kind) < 0) { return; }
    if (!snap || loading) { buffered.push(e); return; }
    apply(e);
    render();
  });

  // ------------------------------------------------------------ tables
  function activeByAgent() {
    var active = {};
    Object.keys(open).forEach(function (id) {
      var row = open[id];
      if (row.state === "assigned" && row.agent) {
        (active[row.agent] = active[row.agent] || []).push(row);
      }
    });
    return active;
  }

  function renderAgents() {
    var body = document.getElementById("agents-body");
    var active = activeByAgent();
    var rows = Object.keys(agents).map(function (id) { return agents[id]; });
    rows.sort(function (a, b) { return a.name.localeCompare(b.name); });
    body.textContent = "";
    rows.forEach(function (a) {
      var tr = document.createElement("tr");
      tr.dataset.agent = a.id;
      tr.dataset.state = a.state;
      tr.className = "agent-row state-" + a.state + (a.id === selected ? " selected" : "");
      tr.tabIndex = 0;
      var iconCell = el("td", null, "state-icon");
      iconCell.appendChild(icon(STATE_ICONS[a.state] || "circle", STATE_LABELS[a.state]));
      if (a.break_type) {
        iconCell.appendChild(icon(snap.break_icons[a.break_type] || "cup-hot", a.break_type));
      }
      tr.appendChild(iconCell);
      var channels = el("td", null, "channels");
      var mine = active[a.id] || [];
      var seen = {};
      var longChat = false;
      mine.forEach(function (row) {
        var c = campaigns[row.campaign];
        if (row.assigned_at && since(row.assigned_at) > c.threshold_chat_time) { longChat = true; }
        if (seen[row.channel]) { return; }
        seen[row.channel] = true;
        channels.appendChild(icon(CHANNEL_ICONS[row.channel] || "chat", row.channel.toUpperCase()));
      });
      tr.appendChild(channels);
      var label = STATE_LABELS[a.state] || a.state;
      tr.appendChild(el("td", a.break_type ? label + " (" + a.break_type + ")" : label, "state"));
      tr.appendChild(el("td", a.name, "name"));
      tr.appendChild(el("td", String(a.completed), "completed"));
      var act = el("td", String(mine.length), "active");
      if (longChat) { act.classList.add("flagged"); act.title = gettext("A chat is past the campaign's chat time threshold"); }
      tr.appendChild(act);
      var time = el("td", "", "since");
      time.dataset.since = a.changed_at || "";
      tr.appendChild(time);
      tr.addEventListener("click", function () { openPanel(a.id); });
      tr.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { openPanel(a.id); } });
      body.appendChild(tr);
    });
  }

  function waitingRows() {
    var rows = [];
    Object.keys(open).forEach(function (id) { if (open[id].state === "queued") { rows.push(open[id]); } });
    rows.sort(function (a, b) { return ms(a.queued_at) - ms(b.queued_at) || a.id - b.id; });
    return rows;
  }

  function renderWaiting() {
    var body = document.getElementById("waiting-body");
    var rows = waitingRows();
    body.textContent = "";
    rows.slice(0, WAITING_ROWS).forEach(function (row) {
      var tr = document.createElement("tr");
      tr.dataset.interaction = row.id;
      tr.appendChild(el("td", row.number, "number"));
      tr.appendChild(el("td", campaigns[row.campaign].name));
      var held = el("td", "", "since");
      held.dataset.since = row.queued_at;
      held.dataset.abandon = campaigns[row.campaign].threshold_abandon;
      tr.appendChild(held);
      body.appendChild(tr);
    });
    var more = document.getElementById("waiting-more");
    more.hidden = rows.length <= WAITING_ROWS;
    more.textContent = interpolate(gettext("and %(count)s more, newer"), { count: rows.length - WAITING_ROWS }, true);
  }

  // ------------------------------------------------------------ figures
  function figuresOf(c, at) {
    var f = { received: 0, answered: 0, in_sl: 0, abandoned: 0, decided: 0, waiting: 0,
              longest: 0, long_chats: 0, slots: {} };
    Object.keys(c.slots).forEach(function (slot) {
      var s = c.slots[slot];
      f.slots[slot] = { received: s.received, answered: s.answered, in_sl: s.in_sl,
                        abandoned: s.abandoned, decided: s.decided };
    });
    Object.keys(open).forEach(function (id) {
      var row = open[id];
      if (row.campaign !== c.id) { return; }
      if (row.state === "queued") {
        f.waiting += 1;
        f.longest = Math.max(f.longest, (at - ms(row.queued_at)) / 1000);
      } else if (row.assigned_at && (at - ms(row.assigned_at)) / 1000 > c.threshold_chat_time) {
        f.long_chats += 1;
      }
      if (!row.unanswered) { return; }
      var waited = (at - ms(row.opened_at)) / 1000;
      var slot = slotOf(row.opened_at);
      var s = f.slots[slot] || (f.slots[slot] = { received: 0, answered: 0, in_sl: 0, abandoned: 0, decided: 0 });
      s.received += 1;
      if (waited > c.threshold_abandon) { s.abandoned += 1; }
      if (waited > c.threshold_service_level) { s.decided += 1; }
    });
    Object.keys(f.slots).forEach(function (slot) {
      ["received", "answered", "in_sl", "abandoned", "decided"].forEach(function (k) { f[k] += f.slots[slot][k]; });
    });
    f.service_level = f.decided ? Math.round(1000 * f.in_sl / f.decided) / 10 : null;
    return f;
  }

  function stat(label, value, testid, flagged, hint) {
    var card = el("div", null, "card stat" + (flagged ? " flagged" : ""));
    card.appendChild(el("div", label, "label"));
    var v = el("div", value, "value");
    v.dataset.testid = testid;
    card.appendChild(v);
    if (hint) { card.appendChild(el("div", hint, "hint")); }
    return card;
  }

  function renderFigures() {
    var box = document.getElementById("figures");
    var at = now();
    var all = [];
    box.textContent = "";
    chosen.forEach(function (id) {
      var c = campaigns[id];
      if (!c) { return; }
      var f = figuresOf(c, at);
      all.push(f);
      var row = el("div", null, "status-row campaign-figures");
      row.dataset.campaign = id;
      row.appendChild(el("h3", c.name, "campaign-name"));
      row.appendChild(stat(gettext("Received"), String(f.received), "received"));
      row.appendChild(stat(gettext("Answered"), String(f.answered), "answered"));
      row.appendChild(stat(gettext("Abandoned"), String(f.abandoned), "abandoned", false,
        interpolate(gettext("waited over %(s)s s"), { s: c.threshold_abandon }, true)));
      row.appendChild(stat(gettext("Service level"), f.service_level === null ? "—" : f.service_level + " %",
        "service-level", f.service_level !== null && f.service_level < c.service_level,
        interpolate(gettext("within %(s)s s, target %(t)s %"), { s: c.threshold_service_level, t: c.service_level }, true)));
      row.appendChild(stat(gettext("Waiting"), f.waiting + " / " + c.threshold_acd, "waiting",
        f.waiting > c.threshold_acd, gettext("customers / ACD threshold")));
      row.appendChild(stat(gettext("Longest wait"), duration(f.longest), "longest-wait"));
      row.appendChild(stat(gettext("Long chats"), String(f.long_chats), "long-chats", f.long_chats > 0,
        interpolate(gettext("over %(s)s s"), { s: c.threshold_chat_time }, true)));
      box.appendChild(row);
    });
    renderChart(all);
  }

  var lastChart = 0;
  function renderChart(all) {
    if (!window.Chart || Date.now() - lastChart < 2000 && chart) { return; }
    lastChart = Date.now();
    var current = slotOf(new Date(now()).toISOString());
    var labels = [], received = [], answered = [], abandoned = [], level = [];
    for (var slot = 0; slot <= current; slot += 1) {
      var m = slot * 15;
      labels.push((m / 60 < 10 ? "0" : "") + Math.floor(m / 60) + ":" + (m % 60 < 10 ? "0" : "") + (m % 60));
      var sum = { received: 0, answered: 0, in_sl: 0, abandoned: 0, decided: 0 };
      all.forEach(function (f) {
        var s = f.slots[slot];
        if (s) { Object.keys(sum).forEach(function (k) { sum[k] += s[k]; }); }
      });
      received.push(sum.received); answered.push(sum.answered); abandoned.push(sum.abandoned);
      level.push(sum.decided ? Math.round(1000 * sum.in_sl / sum.decided) / 10 : null);
    }
    var data = {
      labels: labels,
      datasets: [
        { type: "bar", label: gettext("Received"), data: received, backgroundColor: "#9fb3c8", yAxisID: "y" },
        { type: "bar", label: gettext("Answered"), data: answered, backgroundColor: "#3ebd93", yAxisID: "y" },
        { type: "bar", label: gettext("Abandoned"), data: abandoned, backgroundColor: "#ef4e4e", yAxisID: "y" },
        { type: "line", label: gettext("Service level %"), data: level, borderColor: "#6941c6", spanGaps: true, yAxisID: "y1" }
      ]
    };
    if (chart) {
      chart.data.labels = labels;
      [received, answered, abandoned, level].forEach(function (values, i) { chart.data.datasets[i].data = values; });
      chart.update("none");
      return;
    }
    chart = new window.Chart(document.getElementById("day-chart"), {
      data: data,
      options: { animation: false, responsive: true,
                 scales: { y: { beginAtZero: true, ticks: { precision: 0 } },
                           y1: { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false } } } }
    });
  }

  // Every second: the timers, from the times we hold (no request).
  function tick() {
    if (!snap) { return; }
    root.querySelectorAll("[data-since]").forEach(function (cell) {
      var s = since(cell.dataset.since);
      cell.textContent = cell.dataset.since ? duration(s) : "—";
      if (cell.dataset.abandon) { cell.classList.toggle("flagged", s > parseFloat(cell.dataset.abandon)); }
    });
  }
  window.setInterval(function () { if (snap) { tick(); renderFigures(); } }, 1000);

  // ------------------------------------------------------------ actions on an agent
  var panel = document.getElementById("agent-panel");
  var panelBody = document.getElementById("agent-panel-body");
  var panelMessage = document.getElementById("agent-panel-message");
  var chatForm = document.getElementById("board-chat-form");

  function stopWatching() {
    if (watching !== null) {
      window.ccQueue.push({ unwatch: watching });
      watching = null;
    }
  }

  function openPanel(id) {
    if (selected !== id) { stopWatching(); panelMode = null; panelBody.textContent = ""; chatForm.hidden = true; }
    selected = id;
    var a = agents[id];
    panel.hidden = false;
    panel.dataset.agent = id;
    document.getElementById("agent-panel-title").textContent = a.name;
    panel.querySelector("[data-action=screen]").hidden = !a.screen_monitoring;
    panelMessage.textContent = "";
    renderAgents(); tick();
  }
  document.getElementById("agent-panel-close").addEventListener("click", function () {
    stopWatching(); selected = null; panelMode = null; panel.hidden = true; renderAgents(); tick();
  });

  function call(method, path, body) {
    var options = { method: method, credentials: "same-origin", headers: { "X-CSRFToken": csrf } };
    if (body) { options.body = JSON.stringify(body); options.headers["Content-Type"] = "application/json"; }
    return fetch(agentsUrl + selected + "/" + path, options).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) { return { ok: r.ok, status: r.status, data: data }; });
    });
  }
  function problem(answer) {
    var d = answer.data || {};
    var text = d.detail || Object.keys(d).map(function (k) { return [].concat(d[k]).join(" "); }).join(" ");
    panelMessage.textContent = text || gettext("The action failed; try again.");
    panelMessage.className = "panel-message error";
  }
  function said(text) { panelMessage.textContent = text; panelMessage.className = "panel-message"; }

  function bubble(m) {
    var li = el("li", null, "bubble " + m.direction + " author-" + m.author);
    li.dataset.message = m.id;
    li.appendChild(el("span", m.text, "text"));
    li.appendChild(el("span", new Date(m.created_at).toLocaleTimeString(), "time"));
    return li;
  }

  function spy(refresh) {
    var agent = selected;
    call("GET", "spy/" + (refresh ? "?refresh=1" : "")).then(function (answer) {
      if (!answer.ok) { problem(answer); return; }
      if (selected !== agent || panelMode !== "spy") { return; }
      panelBody.textContent = "";
      var box = el("div", null, "spy");
      box.dataset.testid = "spy";
      if (!answer.data.conversations.length) { box.appendChild(el("p", gettext("No active conversation."), "help")); }
      answer.data.conversations.forEach(function (conv) {
        var section = el("section", null, "spy-conversation");
        section.dataset.interaction = conv.interaction.id;
        section.appendChild(el("h4", conv.interaction.number + " · " + conv.campaign_name));
        var list = el("ol", null, "messages");
        conv.messages.forEach(function (m) { list.appendChild(bubble(m)); });
        section.appendChild(list);
        box.appendChild(section);
      });
      panelBody.appendChild(box);
    });
  }
  function spyMessage(message, interaction) {
    if (panelMode !== "spy") { return; }
    var section = panelBody.querySelector(".spy-conversation[data-interaction='" + interaction.id + "']");
    if (!section) { if (interaction.agent === selected) { spy(true); } return; }
    if (section.querySelector("[data-message='" + message.id + "']")) { return; }
    section.querySelector(".messages").appendChild(bubble(message));
  }

  function showScreen(p) {
    if (panelMode !== "screen" || p.agent !== watching) { return; }
    var box = panelBody.querySelector(".screen");
    if (!box) { return; }
    if (p.at && box.dataset.at && p.at < parseFloat(box.dataset.at)) { return; }  // a replay
    box.dataset.at = p.at || 0;
    if (p.interaction) {
      var row = open[p.interaction];
      box.querySelector("[data-testid=screen-open]").textContent =
        row ? row.number + " · " + campaigns[row.campaign].name : "#" + p.interaction;
    }
    if (p.type === "draft") { box.querySelector("[data-testid=screen-draft]").textContent = p.text; }
    // The inbox tells the scroll position as a share of the conversation (0 top, 1 bottom).
    if (p.type === "scroll") { box.querySelector("[data-testid=screen-scroll]").textContent = Math.round(100 * p.top) + " %"; }
  }
  function screen() {
    var agent = selected;
    call("POST", "screen/").then(function (answer) {
      if (!answer.ok) { problem(answer); return; }
      if (selected !== agent || panelMode !== "screen") { return; }
      panelBody.textContent = "";
      var box = el("div", null, "screen");
      box.dataset.testid = "screen";
      var dl = el("dl");
      dl.appendChild(el("dt", gettext("Open conversation")));
      var openCell = el("dd", "—"); openCell.dataset.testid = "screen-open"; dl.appendChild(openCell);
      dl.appendChild(el("dt", gettext("Typing")));
      var draft = el("dd", "", "draft"); draft.dataset.testid = "screen-draft"; dl.appendChild(draft);
      dl.appendChild(el("dt", gettext("Scroll position")));
      var scroll = el("dd", "—"); scroll.dataset.testid = "screen-scroll"; dl.appendChild(scroll);
      box.appendChild(dl);
      panelBody.appendChild(box);
      watching = agent;
      window.ccQueue.push({ watch: agent });
      said(gettext("Watching the agent's screen live."));
    });
  }

  function info() {
    call("GET", "info/").then(function (answer) {
      if (!answer.ok) { problem(answer); return; }
      var d = answer.data;
      panelBody.textContent = "";
      var box = el("div", null, "info");
      box.dataset.testid = "info";
      var dl = el("dl");
      function item(label, value) { dl.appendChild(el("dt", label)); dl.appendChild(el("dd", value)); }
      item(gettext("Name"), d.name);
      item(gettext("Username"), d.username);
      item(gettext("Security groups"), d.groups.join(", ") || "—");
      item(gettext("Campaigns"), d.campaigns.join(", ") || "—");
      item(gettext("Interactions today"), String(d.interactions_today));
      item(gettext("Average first response"), d.avg_first_response === null ? "—" : duration(d.avg_first_response));
      item(gettext("Average handling time"), d.avg_handling === null ? "—" : duration(d.avg_handling));
      box.appendChild(dl);
      box.appendChild(el("h4", gettext("States today")));
      var list = el("ol", null, "history");
      d.history.forEach(function (h) {
        list.appendChild(el("li", new Date(h.at).toLocaleTimeString() + " " + (STATE_LABELS[h.to] || h.to) +
                                  (h.break_type ? " (" + h.break_type + ")" : "")));
      });
      box.appendChild(list);
      panelBody.appendChild(box);
    });
  }

  function chatLine(m) {
    var li = el("li", null, "chat-line " + (m.from_agent ? "from-agent" : "from-supervisor"));
    li.dataset.chat = m.id;
    var who = m.from_agent ? (agents[m.agent] ? agents[m.agent].name : "") : m.supervisor_name;
    li.appendChild(el("span", who + ": ", "who"));
    li.appendChild(el("span", m.text, "text"));
    return li;
  }
  function chat() {
    var agent = selected;
    call("GET", "chat/").then(function (answer) {
      if (!answer.ok) { problem(answer); return; }
      if (selected !== agent || panelMode !== "chat") { return; }
      panelBody.textContent = "";
      var list = el("ol", null, "chat-list");
      list.dataset.testid = "board-chat-list";
      answer.data.messages.forEach(function (m) { list.appendChild(chatLine(m)); });
      panelBody.appendChild(list);
      chatForm.hidden = false;
      chatForm.elements.text.focus();
    });
  }
  function chatMessage(m) {
    if (panelMode !== "chat" || m.agent !== selected) { return; }
    var list = panelBody.querySelector(".chat-list");
    if (!list || list.querySelector("[data-chat='" + m.id + "']")) { return; }
    list.appendChild(chatLine(m));
  }
  chatForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = chatForm.elements.text.value;
    call("POST", "chat/", { text: text }).then(function (answer) {
      if (!answer.ok) { problem(answer); return; }
      chatForm.elements.text.value = "";
      chatMessage(answer.data);
    });
  });

  panel.querySelectorAll("[data-action]").forEach(function (button) {
    button.addEventListener("click", function () {
      var action = button.dataset.action;
      panelMessage.textContent = "";
      if (action === "pause") {
        var type = document.getElementById("pause-break-type").value;
        call("POST", "pause/", { break_type: type }).then(function (answer) {
          if (!answer.ok) { problem(answer); return; }
          said(interpolate(gettext("Paused: %(type)s."), { type: answer.data.break_type }, true));
        });
        return;
      }
      if (action === "log-out") {
        if (!window.confirm(button.dataset.question)) { return; }
        call("POST", "log-out/").then(function (answer) {
          if (!answer.ok) { problem(answer); return; }
          said(answer.data.detail);
        });
        return;
      }
      stopWatching();
      chatForm.hidden = true;
      panelMode = action;
      panelBody.textContent = "";
      ({ spy: spy, screen: screen, info: info, chat: chat })[action]();
    });
  });

  // ------------------------------------------------------------ start
  // The snapshot is read once every campaign's events reach us, so no change falls between
  // (the events that come while it loads wait in ``buffered``); a slow socket: after 3 s.
  var acks = 0, wanted = false;
  chosen.forEach(function (id) { (window.ccQueue = window.ccQueue || []).push({ subscribe: "campaign", id: id }); });
  window.setTimeout(function () { if (!snap && !loading) { load(); } }, 3000);
})();
