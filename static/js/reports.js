/* Reports page: draws the charts from the figures the page embeds (json_script "report-data")
   with the vendored Chart.js. No data is fetched: filters reload the page, so the tables, the
   CSV links and the charts always show the same figures. */
(function () {
  "use strict";
  var t = window.gettext || function (s) { return s; };

  function data() {
    var node = document.getElementById("report-data");
    return node ? JSON.parse(node.textContent) : null;
  }

  function chart(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas || !window.Chart) { return null; }
    config.options = Object.assign({
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { position: "bottom" } }
    }, config.options || {});
    var made = new window.Chart(canvas, config);
    canvas.dataset.drawn = "true";
    return made;
  }

  function draw() {
    var figures = data();
    if (!figures) { return; }
    var days = figures.days || [];
    chart("chart-days", {
      type: "bar",
      data: {
        labels: days.map(function (d) { return d.day; }),
        datasets: [
          { label: t("Received"), data: days.map(function (d) { return d.received; }), backgroundColor: "#98a2b3" },
          { label: t("Answered"), data: days.map(function (d) { return d.answered; }), backgroundColor: "#2e90fa" },
          { label: t("Abandoned"), data: days.map(function (d) { return d.abandoned; }), backgroundColor: "#f04438" }
        ]
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
    var campaigns = figures.campaigns || [];
    chart("chart-service", {
      type: "bar",
      data: {
        labels: campaigns.map(function (c) { return c.name; }),
        datasets: [{
          label: t("Service level %"),
          data: campaigns.map(function (c) { return c.service_level; }),
          backgroundColor: "#12b76a"
        }]
      },
      options: { indexAxis: "y", scales: { x: { min: 0, max: 100 } } }
    });
    var perCampaign = {};
    (figures.dialer || []).forEach(function (row) {
      var c = perCampaign[row.name] || (perCampaign[row.name] = { sent: 0, delivered: 0, failed: 0, unknown: 0 });
      c.sent += row.sent; c.delivered += row.delivered; c.failed += row.failed; c.unknown += row.unknown;
    });
    var names = Object.keys(perCampaign);
    function series(key, label, color) {
      return { label: label, data: names.map(function (n) { return perCampaign[n][key]; }), backgroundColor: color };
    }
    chart("chart-dialer", {
      type: "bar",
      data: {
        labels: names,
        datasets: [
          series("delivered", t("Delivered"), "#12b76a"),
          series("sent", t("Sent"), "#2e90fa"),
          series("failed", t("Failed"), "#f04438"),
          series("unknown", t("Unknown"), "#98a2b3")
        ]
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
