// SMS encoding and segment counting in the browser: the same tables and rules as
// providers/encoding.py (GSM 03.38 / UCS-2), so the composer's counter says what the provider
// will be sent. tests/conversations/test_sms_encoding_js.py compares both on many strings.
(function () {
  "use strict";

  var GSM7_BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var GSM7_EXTENSION = "^{}\\[~]|€\f";
  var SINGLE = { GSM7: 160, UCS2: 70 };
  var PER_PART = { GSM7: 153, UCS2: 67 };

  function inSet(set, ch) { return set.indexOf(ch) !== -1; }

  // Code points, not UTF-16 units: Python iterates a str by code point.
  function chars(text) { return Array.from(text); }

  function isGsm7(text) {
    return chars(text).every(function (c) { return inSet(GSM7_BASIC, c) || inSet(GSM7_EXTENSION, c); });
  }

  function nonGsm(text) {
    var seen = [];
    chars(text).forEach(function (c) {
      if (!inSet(GSM7_BASIC, c) && !inSet(GSM7_EXTENSION, c) && seen.indexOf(c) === -1) { seen.push(c); }
    });
    return seen;
  }

  function unitCost(c, encoding) {
    if (encoding === "GSM7") { return inSet(GSM7_EXTENSION, c) ? 2 : 1; }
    return c.codePointAt(0) > 0xFFFF ? 2 : 1;
  }

  function chooseEncoding(text, configured) {
    configured = configured || "auto";
    if (configured === "UCS2") { return { encoding: "UCS2" }; }
    if (isGsm7(text)) { return { encoding: "GSM7" }; }
    if (configured === "GSM7") { return { encoding: null, bad: nonGsm(text) }; }
    return { encoding: "UCS2" };
  }

  function splitParts(text, encoding) {
    var list = chars(text);
    var costs = list.map(function (c) { return unitCost(c, encoding); });
    var total = costs.reduce(function (a, b) { return a + b; }, 0);
    if (total <= SINGLE[encoding]) { return [text]; }
    var limit = PER_PART[encoding], parts = [], current = "", used = 0;
    list.forEach(function (c, i) {
      if (used + costs[i] > limit) { parts.push(current); current = ""; used = 0; }
      current += c;
      used += costs[i];
    });
    parts.push(current);
    return parts;
  }

  function countUnits(text, encoding) {
    if (encoding === "GSM7") {
      return chars(text).reduce(function (n, c) { return n + unitCost(c, "GSM7"); }, 0);
    }
    return text.length; // UTF-16 code units: outside the BMP a character takes two
  }

  // {encoding: "GSM7"|"UCS2", segments, units, single, perPart} or {error, bad} when a provider
  // forced to GSM-7 cannot send the text.
  function segmentInfo(text, configured) {
    var chosen = chooseEncoding(text, configured);
    if (!chosen.encoding) { return { error: "not-gsm7", bad: chosen.bad }; }
    var encoding = chosen.encoding;
    var units = countUnits(text, encoding);
    var segments = units <= SINGLE[encoding] ? 1 : splitParts(text, encoding).length;
    return { encoding: encoding, segments: segments, units: units,
             single: SINGLE[encoding], perPart: PER_PART[encoding] };
  }

  window.ccSms = { segmentInfo: segmentInfo, splitParts: splitParts, isGsm7: isGsm7 };
})();
