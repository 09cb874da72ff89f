/* The reply box: a live segment and encoding counter, and the quiet-hours warning kept current. */
(function () {
  'use strict';
  var form = document.getElementById('reply-form');
  if (!form) return;
  var box = document.getElementById('reply-body');
  var counter = document.getElementById('reply-counter');
  var warning = document.getElementById('quiet-warning');
  var urgent = document.getElementById('reply-urgent');

  function describe() {
    var info = window.FLSegments.segmentInfo(box.value);
    var parts = info.characters + ' characters · ' + info.encoding + ' · ' + info.segments + (info.segments === 1 ? ' segment' : ' segments');
    var odd = info.encoding === 'UCS-2' ? window.FLSegments.nonGsmCharacters(box.value).slice(0, 5) : [];
    if (odd.length) parts += ' (' + odd.join(' ') + ' need UCS-2, which fits 70 characters per text instead of 160)';
    counter.textContent = parts;
  }
  var pending = null;
  box.addEventListener('input', function () {
    // Announced by the live region once typing pauses, not on every key.
    clearTimeout(pending);
    pending = setTimeout(describe, 250);
  });
  describe();

  var src = form.getAttribute('data-quiet-src');
  function refreshQuietHours() {
    if (!src || document.hidden) return;
    fetch(src, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        var show = data.warning && !(urgent && urgent.checked);
        warning.textContent = data.warning || '';
        warning.hidden = !show;
      })
      .catch(function () { /* offline for a moment: the next minute tries again */ });
  }
  if (urgent) urgent.addEventListener('change', function () { warning.hidden = urgent.checked || !warning.textContent; });
  setInterval(refreshQuietHours, 60000);
  document.addEventListener('visibilitychange', refreshQuietHours);
})();
