// The composer's emoji picker (emoji-picker-element, vendored), made the first time the panel
// opens: its data comes from the portal's own copy of emojibase (no CDN), in the page's
// language. A chosen emoji goes to inbox.js as a "cc:emoji" event, which inserts it at the cursor.
import { Picker } from "../vendor/emoji-picker-element/index.js";
import es from "../vendor/emoji-picker-element/i18n/es.js";

const config = JSON.parse(document.getElementById("inbox-config").textContent);
let picker = null;

document.addEventListener("cc:emoji-panel", function () {
  if (picker) { return; }
  const options = { locale: config.emoji.locale, dataSource: config.emoji.data };
  if (config.emoji.locale === "es") { options.i18n = es; }
  picker = new Picker(options);
  picker.addEventListener("emoji-click", function (event) {
    document.dispatchEvent(new CustomEvent("cc:emoji", { detail: { unicode: event.detail.unicode } }));
  });
  document.getElementById("emoji-panel").appendChild(picker);
});
document.body.dataset.emojiReady = "true";
