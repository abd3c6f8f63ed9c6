// Form helpers: attach/detach with + and −, and "add a row" for Django formsets.
(function () {
  "use strict";

  var attached = document.querySelector("select[data-testid=attached-schedules]");
  var available = document.getElementById("available-schedules");
  if (attached && available) {
    document.getElementById("attach-schedule").addEventListener("click", function () {
      var option = available.options[available.selectedIndex];
      if (!option) {
        // No schedule exists yet: + opens the schedule form.
        window.location.href = this.dataset.newUrl;
        return;
      }
      var exists = Array.prototype.some.call(attached.options, function (o) { return o.value === option.value; });
      if (!exists) { attached.appendChild(new Option(option.text, option.value, true, true)); }
    });
    document.getElementById("detach-schedule").addEventListener("click", function () {
      Array.prototype.slice.call(attached.selectedOptions).forEach(function (o) { o.remove(); });
    });
    attached.form.addEventListener("submit", function () {
      Array.prototype.forEach.call(attached.options, function (o) { o.selected = true; });
    });
  }

  // A removed row is emptied and hidden: the page saves only rows someone filled in.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.remove-row");
    if (!button) { return; }
    var row = button.closest(".preset-row, .rule-row, .holiday-row");
    row.querySelectorAll("input, textarea, select").forEach(function (el) {
      if (el.type === "checkbox") { el.checked = false; } else { el.value = ""; }
    });
    row.hidden = true;
  });

  document.querySelectorAll("button.add-row").forEach(function (button) {
    button.addEventListener("click", function () {
      var name = button.dataset.target;
      var rows = document.getElementById(name);
      var total = document.querySelector("input[name=" + name + "-TOTAL_FORMS]");
      var template = document.getElementById(name + "-template").innerHTML;
      rows.insertAdjacentHTML("beforeend", template.replace(/__prefix__/g, total.value));
      total.value = parseInt(total.value, 10) + 1;
    });
  });
})();
