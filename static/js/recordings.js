// Recordings: open a conversation's transcript beside the list (customer text through
// textContent only), its downloads, and the list's CSV export with a progress bar.
(function () {
  "use strict";
  var panel = document.getElementById("transcript");
  if (!panel) { return; }
  var csrf = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
  var DELIVERY = {
    queued: gettext("Queued"), sent: gettext("Sent"), delivered: gettext("Delivered"), failed: gettext("Failed")
  };

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function showTranscript(data) {
    var base = panel.dataset.url + data.id + "/transcript";
    document.getElementById("transcript-title").textContent =
      interpolate(gettext("Conversation %(id)s · %(number)s · %(campaign)s"),
                  { id: data.id, number: data.number, campaign: data.campaign }, true);
    document.getElementById("download-txt").href = base + "?format=txt";
    document.getElementById("download-csv").href = base + "?format=csv";
    var list = document.getElementById("transcript-messages");
    list.replaceChildren();
    data.messages.forEach(function (m) {
      var item = el("li", "author-" + m.author);
      item.dataset.testid = "transcript-message";
      item.setAttribute("data-testid", "transcript-message");
      var meta = el("div", "meta");
      meta.appendChild(el("span", "who", m.sender));
      meta.appendChild(el("time", "", new Date(m.at).toLocaleString()));
      if (m.delivery) { meta.appendChild(el("span", "delivery", DELIVERY[m.delivery] || m.delivery)); }
      item.appendChild(meta);
      item.appendChild(el("div", "text", m.text));
      list.appendChild(item);
    });
    panel.hidden = false;
  }

  function open(row) {
    document.querySelectorAll("tr.recording.selected").forEach(function (r) { r.classList.remove("selected"); });
    row.classList.add("selected");
    fetch(panel.dataset.url + row.dataset.id + "/transcript", { credentials: "same-origin",
                                                                 headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(showTranscript)
      .catch(function () {
        document.getElementById("transcript-title").textContent = gettext("This conversation could not be loaded.");
        panel.hidden = false;
      });
  }

  document.querySelectorAll("tr.recording").forEach(function (row) {
    row.addEventListener("click", function () { open(row); });
    row.addEventListener("keydown", function (e) { if (e.key === "Enter") { open(row); } });
  });

  // ---- the list's export
  var button = document.getElementById("export-list");
  if (!button) { return; }
  var status = document.getElementById("export-status");
  var bar = document.getElementById("export-bar");
  var text = document.getElementById("export-text");
  var link = document.getElementById("export-link");
  var retry = document.getElementById("export-retry");
  var filters = JSON.parse(document.getElementById("recordings-filters-data").textContent);

  function show(job) {
    status.hidden = false;
    bar.value = job.progress;
    bar.hidden = job.state === "expired";
    retry.hidden = job.state !== "failed";
    link.hidden = job.state !== "done";
    link.dataset.id = job.id;
    if (job.state === "done") {
      link.href = job.download_url;
      text.textContent = interpolate(ngettext("Done: %(rows)s message.", "Done: %(rows)s messages.", job.rows),
                                     { rows: job.rows }, true);
    } else if (job.state === "failed") {
      text.textContent = interpolate(gettext("Failed: %(error)s"), { error: job.error }, true);
    } else if (job.state === "expired") {
      text.textContent = job.expired;
    } else if (job.state === "running") {
      text.textContent = interpolate(gettext("Exporting… %(progress)s %"), { progress: job.progress }, true);
    } else {
      text.textContent = gettext("Waiting for a worker…");
    }
    if (job.state === "queued" || job.state === "running") {
      window.setTimeout(function () { poll(job.id); }, 1000);
    }
  }
  function poll(id) {
    fetch("/api/v1/exports/" + id + "/", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(show)
      .catch(function () { window.setTimeout(function () { poll(id); }, 3000); });
  }
  function post(url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin",
                        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
                        body: body ? JSON.stringify(body) : null })
      .then(function (r) { return r.json().then(function (data) { return r.ok ? data : Promise.reject(data); }); });
  }
  button.addEventListener("click", function () {
    button.disabled = true;
    post("/api/v1/exports/", { kind: "recordings", filters: filters })
      .then(function (job) { retry.dataset.id = job.id; show(job); })
      .catch(function () { status.hidden = false; text.textContent = gettext("The export could not be started."); })
      .finally(function () { button.disabled = false; });
  });
  link.addEventListener("click", function (event) {
    // A page left open past the export's expiry says so here instead of opening a 410.
    event.preventDefault();
    fetch("/api/v1/exports/" + link.dataset.id + "/", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (job) {
        if (job.state === "done") { window.location.href = job.download_url; } else { show(job); }
      })
      .catch(function () { window.location.href = link.href; });
  });
  retry.addEventListener("click", function () {
    post("/api/v1/exports/" + retry.dataset.id + "/retry").then(show)
      .catch(function (data) { text.textContent = (data && data.detail) || gettext("The export could not be started."); });
  });
})();
