// Provider form: show exactly the chosen API type's fields, with that type's labels and help.
(function () {
  "use strict";
  var form = document.getElementById("provider-form");
  var catalogue = JSON.parse(document.getElementById("provider-types").textContent);
  var always = ["name", "api_type", "number_regexp", "encoding", "is_default",
                "security_groups", "connect_timeout", "read_timeout"];
  var select = form.querySelector("[name=api_type]");
  var original = {};
  form.querySelectorAll(".field").forEach(function (div) {
    var label = div.querySelector(".label-text");
    var help = div.querySelector(".help");
    original[div.dataset.field] = { label: label ? label.textContent : "", help: help ? help.textContent : "" };
  });

  function show() {
    var type = catalogue[select.value] || { fields: {} };
    form.querySelectorAll(".field").forEach(function (div) {
      var name = div.dataset.field;
      var spec = type.fields[name];
      var visible = always.indexOf(name) >= 0 || !!spec;
      div.hidden = !visible;
      div.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !visible; });
      var label = div.querySelector(".label-text");
      var help = div.querySelector(".help");
      var mark = div.querySelector(".required-mark");
      if (label) { label.textContent = spec ? spec.label : original[name].label; }
      if (help) { help.textContent = (spec && spec.help) || original[name].help; }
      if (mark) { mark.hidden = !(spec && spec.required) && name !== "name"; }
    });
  }
  select.addEventListener("change", show);
  show();
})();
