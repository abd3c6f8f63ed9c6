// Dialer monitor: live counters (websocket, with a slow poll as a safety net), uploads with a
// progress bar, operator actions on rows whose fate is unknown.
(function () {
  "use strict";
  var monitor = document.getElementById("monitor");
  if (!monitor) { return; }
  var campaign = parseInt(monitor.dataset.campaign, 10);
  var csrf = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";

  function showCounters(counters) {
    Object.keys(counters).forEach(function (key) {
      var cell = monitor.querySelector("[data-counter=" + key + "]");
      if (cell) { cell.textContent = counters[key]; }
    });
  }
  function showStatus(status) {
    showCounters(status.counters);
    ["active", "on_schedule"].forEach(function (key) {
      var cell = monitor.querySelector("[data-status=" + key + "]");
      if (cell) { cell.textContent = status[key] ? monitor.dataset.active : monitor.dataset.inactive; }
    });
  }

  document.addEventListener("cc:event", function (event) {
    var e = event.detail;
    var progress = document.getElementById("delete-progress");
    if (e.kind === "subscribed" && e.payload.group === "campaign." + campaign) { monitor.dataset.live = "subscribed"; }
    if (e.kind === "spool.counts" && e.payload.campaign === campaign) { showCounters(e.payload.counters); }
    if (e.kind === "spool.deleting" && e.payload.campaign === campaign) {
      progress.textContent = interpolate(ngettext("%(count)s deleted…", "%(count)s deleted…", e.payload.deleted),
                                         { count: e.payload.deleted }, true);
    }
    if (e.kind === "spool.deleted" && e.payload.campaign === campaign) {
      progress.textContent = interpolate(ngettext("%(count)s deleted.", "%(count)s deleted.", e.payload.deleted),
                                         { count: e.payload.deleted }, true);
    }
  });
  // Queue-safe: works whether events.js has run yet or not.
  (window.ccQueue = window.ccQueue || []).push({ subscribe: "campaign", id: campaign });
  // A slow poll as a safety net (a missed event, a reconnect); the socket does the live part.
  window.setInterval(function () {
    fetch(monitor.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (status) { if (status) { showStatus(status); } })
      .catch(function () { /* the next round tries again */ });
  }, parseInt(monitor.dataset.pollMs, 10) || 5000);

  // Delete without leaving the page, so the socket that reports "N deleted" stays open.
  var deleteForm = document.getElementById("delete-unprocessed");
  if (deleteForm) {
    deleteForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!window.confirm(deleteForm.dataset.question)) { return; }
      var progress = document.getElementById("delete-progress");
      progress.textContent = monitor.dataset.textStarted;
      fetch(deleteForm.action, { method: "POST", body: new FormData(deleteForm), credentials: "same-origin",
                                 headers: { "X-CSRFToken": csrf } })
        .then(function (r) { if (!r.ok) { progress.textContent = monitor.dataset.textFailed; } })
        .catch(function () { progress.textContent = monitor.dataset.textFailed; });
    });
  }

  // Strings come from Django's JavaScript catalog (/jsi18n/, loaded before this script).
  var PHASES = { queued: gettext("Queued"), checking: gettext("Checking"), loading: gettext("Loading") };

  function watchUpload(id, bar, result) {
    fetch("/api/v1/spool/uploads/" + id, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (u) {
        bar.hidden = false;
        bar.value = u.percent;
        if (u.state === "done") {
          result.textContent = interpolate(
            ngettext("%(count)s row loaded from %(file)s.", "%(count)s rows loaded from %(file)s.", u.rows_loaded),
            { count: u.rows_loaded, file: u.file_name }, true);
          result.className = "upload-result ok";
        } else if (u.state === "rejected" || u.state === "failed") {
          result.className = "upload-result error";
          result.textContent = interpolate(
            ngettext("%(count)s error; nothing was stored.", "%(count)s errors; nothing was stored.", u.error_count),
            { count: u.error_count }, true) + " " + u.errors.slice(0, 50).join(" · ");
        } else {
          result.textContent = (PHASES[u.phase] || u.phase) + " " + u.done + (u.total ? " / " + u.total : "");
          window.setTimeout(function () { watchUpload(id, bar, result); }, 300);
        }
      });
  }

  ["spool-upload", "dncr-upload"].forEach(function (formId) {
    var form = document.getElementById(formId);
    var bar = document.getElementById(form.dataset.kind + "-upload-bar");
    var result = document.getElementById(form.dataset.kind + "-upload-result");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(form);
      bar.value = 0; bar.hidden = false; result.textContent = "…"; result.className = "upload-result";
      fetch(form.dataset.url, { method: "POST", body: data, credentials: "same-origin",
                                headers: { "X-CSRFToken": csrf } })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (answer) {
          if (!answer.ok) {
            result.className = "upload-result error";
            result.textContent = Object.values(answer.body).join(" ");
            return;
          }
          watchUpload(answer.body.id, bar, result);
        });
    });
  });

  monitor.querySelectorAll("[data-rows-action]").forEach(function (button) {
    button.addEventListener("click", function () {
      var ids = Array.prototype.map.call(monitor.querySelectorAll(".unknown-row:checked"),
                                         function (box) { return parseInt(box.value, 10); });
      if (!ids.length) { return; }
      fetch("/api/v1/spool/" + button.dataset.rowsAction, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ campaign: campaign, ids: ids })
      }).then(function () { window.location.reload(); });
    });
  });
})();
