// Break types: the icon preview follows the icon name being typed (names from the sprite).
(function () {
  "use strict";

  var input = document.getElementById("id_icon");
  var preview = document.getElementById("icon-preview");
  if (!input || !preview) { return; }
  var use = preview.querySelector("use");
  input.addEventListener("input", function () {
    use.setAttribute("href", preview.dataset.sprite + "#" + input.value.trim());
  });
})();
