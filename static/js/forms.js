// Form helpers: attach/detach with + and −, and "add a row" for Django formsets.
(function () {
  "use strict";

  var attached = document.querySelector("select[data-testid=attached-schedules]");
  var available = document.getElementById("available-schedules");
  if (attached && available) {
    document.getElementById("attach-schedule").addEventListener("click", function () {
      var option = available.options[available.selectedIndex];
      if (!option) { return; }
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
