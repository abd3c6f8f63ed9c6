// Customer simulator: one plays a customer of a campaign on a Sandbox provider. Messages typed
// here are stored as the provider's webhook would store them; the conversation (customer's
// messages, agents' replies, delivery states) is read from the database and drawn again
// whenever the campaign's events say it changed, on every (re)connection of the socket (catch-up)
// and on a slow poll (a lost event). Every text is put in with textContent, never as HTML.
(function () {
  "use strict";
  var root = document.getElementById("simulator");
  if (!root) { return; }
  var csrf = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
  var campaignSelect = document.getElementById("sim-campaign");
  var numberInput = document.getElementById("sim-number");
  var numberError = document.getElementById("sim-number-error");
  var phone = document.getElementById("sim-phone");
  var title = document.getElementById("sim-title");
  var stateLabel = document.getElementById("sim-state");
  var list = document.getElementById("sim-messages");
  var composer = document.getElementById("sim-composer");
  var textArea = document.getElementById("sim-text");
  var textError = document.getElementById("sim-text-error");

  var current = null;  // {campaign: id, number: E.164 as the server stores it}
  var subscribed = {};
  var pending = null;

  var DELIVERY = {
    queued: gettext("Queued"),
    sent: gettext("Sent"),
    delivered: gettext("Delivered"),
    failed: gettext("Failed")
  };
  var ROUTING = {
    pending: gettext("Waiting for routing"),
    unrouted: gettext("No campaign takes it")
  };

  function campaignName(id) {
    var option = campaignSelect.querySelector("option[value='" + id + "']");
    return option ? option.textContent : "";
  }

  function showErrors(errors) {
    numberError.textContent = errors.number || errors.campaign || "";
    textError.textContent = errors.text || errors.body || "";
  }

  function stateText(interaction) {
    if (!interaction) { return gettext("No conversation yet: write the first message."); }
    if (interaction.state === "queued") { return gettext("Waiting for an agent"); }
    if (interaction.state === "assigned") {
      return interpolate(gettext("With %(agent)s"), { agent: interaction.agent }, true);
    }
    return gettext("Closed");
  }

  function time(iso) {
    var date = new Date(iso);
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function bubble(message) {
    var item = document.createElement("li");
    var mine = message.direction === "in";  // the customer's own messages
    item.className = "sim-message " + (mine ? "sim-customer" : "sim-" + message.author);
    item.dataset.testid = "sim-message";
    item.dataset.id = message.id;
    item.dataset.author = message.author;
    var who = document.createElement("div");
    who.className = "sim-author";
    if (mine) { who.textContent = gettext("Customer (you)"); }
    else if (message.author === "agent") { who.textContent = message.agent || gettext("Agent"); }
    else { who.textContent = gettext("Bot / system"); }
    var text = document.createElement("div");
    text.className = "sim-text";
    text.dataset.testid = "sim-message-text";
    text.textContent = message.text;
    var meta = document.createElement("div");
    meta.className = "sim-meta";
    var when = document.createElement("time");
    when.dateTime = message.created_at;
    when.textContent = time(message.created_at);
    meta.appendChild(when);
    var status = document.createElement("span");
    status.className = "sim-status";
    status.dataset.testid = "sim-delivery";
    if (mine) {
      status.textContent = ROUTING[message.routing] || "";
    } else {
      status.dataset.delivery = message.delivery;
      status.textContent = DELIVERY[message.delivery] || message.delivery;
      if (message.delivery === "delivered") { status.textContent = "✓✓ " + status.textContent; }
      else if (message.delivery === "sent") { status.textContent = "✓ " + status.textContent; }
    }
    meta.appendChild(status);
    item.appendChild(who);
    item.appendChild(text);
    item.appendChild(meta);
    if (!mine && message.delivery === "failed" && message.error) {
      var error = document.createElement("div");
      error.className = "sim-delivery-error";
      error.textContent = message.error;
      item.appendChild(error);
    }
    return item;
  }

  function draw(data) {
    var nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    var items = document.createDocumentFragment();
    data.messages.forEach(function (message) { items.appendChild(bubble(message)); });
    list.replaceChildren(items);
    stateLabel.textContent = stateText(data.interaction);
    stateLabel.dataset.state = data.interaction ? data.interaction.state : "";
    if (nearBottom || !list.dataset.drawn) { list.scrollTop = list.scrollHeight; }
    list.dataset.drawn = "1";
  }

  function query(campaign, number) {
    return root.dataset.conversationUrl + "?campaign=" + encodeURIComponent(campaign) +
      "&number=" + encodeURIComponent(number);
  }

  function load(campaign, number) {
    return fetch(query(campaign, number), { credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; },
                                    function () { return { ok: false, body: {} }; });
      });
  }

  function refresh() {
    if (!current) { return; }
    var wanted = current;
    load(wanted.campaign, wanted.number).then(function (answer) {
      if (answer.ok && current === wanted) { draw(answer.body); }
    }).catch(function () { /* the next event, reconnection or poll tries again */ });
  }

  // Several events of one change (message, interaction, queue) make one read.
  function refreshSoon() {
    if (pending) { return; }
    pending = window.setTimeout(function () { pending = null; refresh(); }, 60);
  }

  function follow(campaign) {
    if (subscribed[campaign]) { return; }
    subscribed[campaign] = true;
    (window.ccQueue = window.ccQueue || []).push({ subscribe: "campaign", id: campaign });
  }

  function open(campaign, number) {
    showErrors({});
    return load(campaign, number).then(function (answer) {
      if (!answer.ok) {
        showErrors(answer.body.errors || { number: gettext("This conversation cannot be opened.") });
        return;
      }
      current = { campaign: campaign, number: answer.body.number };
      list.dataset.drawn = "";
      title.textContent = interpolate(gettext("%(number)s in %(campaign)s"),
                                      { number: current.number, campaign: campaignName(campaign) }, true);
      numberInput.value = current.number;
      phone.hidden = false;
      draw(answer.body);
      follow(campaign);
      var url = new URL(window.location.href);
      url.searchParams.set("campaign", campaign);
      url.searchParams.set("number", current.number);
      window.history.replaceState(null, "", url);
      textArea.focus();
    }).catch(function () {
      showErrors({ number: gettext("The portal did not answer; try again.") });
    });
  }

  document.getElementById("sim-open").addEventListener("submit", function (event) {
    event.preventDefault();
    open(parseInt(campaignSelect.value, 10), numberInput.value);
  });

  function send() {
    if (!current) { return; }
    var text = textArea.value;
    showErrors({});
    fetch(root.dataset.sendUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ campaign: current.campaign, number: current.number, text: text })
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) {
          showErrors(body.errors || { text: gettext("The message was not stored; try again.") });
          return;
        }
        if (textArea.value === text) { textArea.value = ""; }
        refresh();
      });
    }).catch(function () {
      showErrors({ text: gettext("The portal did not answer; the message was not stored.") });
    });
  }

  composer.addEventListener("submit", function (event) { event.preventDefault(); send(); });
  textArea.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });

  function concerns(event) {
    if (!current) { return false; }
    var payload = event.payload || {};
    var about = payload.interaction || payload;
    return about.campaign === current.campaign && about.number === current.number;
  }

  document.addEventListener("cc:event", function (e) {
    var event = e.detail;
    if (!current) { return; }
    // Each (re)connection subscribes again: read what changed while the socket was down.
    if (event.kind === "subscribed" && event.payload.group === "campaign." + current.campaign) {
      root.dataset.live = "subscribed";
      refresh();
      return;
    }
    if (/^(message|interaction)\./.test(event.kind) && concerns(event)) { refreshSoon(); }
  });

  window.setInterval(refresh, parseInt(root.dataset.pollMs, 10) || 10000);

  // Opened with ?campaign=&number= (a reload): the same conversation again.
  var params = new URLSearchParams(window.location.search);
  var chosen = parseInt(params.get("campaign"), 10);
  if (chosen && campaignSelect.querySelector("option[value='" + chosen + "']")) {
    campaignSelect.value = String(chosen);
    if (params.get("number")) { open(chosen, params.get("number")); }
  }
})();
