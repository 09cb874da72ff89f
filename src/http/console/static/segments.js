/*
 * SMS encoding and segment count for the reply box: the rules of src/i18n/segments.ts, written
 * again for the browser (test/unit/console-segments.test.ts checks both agree on many texts).
 * GSM-7 160 per single text / 153 per part, UCS-2 70 / 67; extension characters cost two septets
 * and never split; a surrogate pair is never split.
 */
(function (root) {
  'use strict';
  var BASIC =
    '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
  var EXTENSION = '\f^{}\\[~]|€';
  var LIMITS = { 'GSM-7': { single: 160, part: 153 }, 'UCS-2': { single: 70, part: 67 } };
  var basic = new Set(Array.from(BASIC).filter(function (c) { return c !== '\u001b'; }));
  var extension = new Set(Array.from(EXTENSION));

  function isGsm7(ch) { return basic.has(ch) || extension.has(ch); }

  function segmentInfo(body) {
    var chars = Array.from(body);
    var encoding = chars.every(isGsm7) ? 'GSM-7' : 'UCS-2';
    var weights = chars.map(function (c) { return encoding === 'GSM-7' ? (extension.has(c) ? 2 : 1) : c.length; });
    var units = weights.reduce(function (a, b) { return a + b; }, 0);
    var limit = LIMITS[encoding];
    var segments;
    if (units === 0) segments = 0;
    else if (units <= limit.single) segments = 1;
    else {
      segments = 1;
      var used = 0;
      weights.forEach(function (w) {
        if (used + w > limit.part) { segments += 1; used = 0; }
        used += w;
      });
    }
    return { encoding: encoding, segments: segments, characters: chars.length, units: units };
  }

  function nonGsmCharacters(body) {
    return Array.from(new Set(Array.from(body).filter(function (c) { return !isGsm7(c); })));
  }

  var api = { segmentInfo: segmentInfo, nonGsmCharacters: nonGsmCharacters, LIMITS: LIMITS };
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.FLSegments = api;
})(typeof self !== 'undefined' ? self : this);
