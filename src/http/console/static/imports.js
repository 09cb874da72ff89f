/*
 * A running roster import's page: its status and report are fetched again every second and
 * swapped in until the import has finished. Without JS a "check again" link reloads the page.
 */
(function () {
  'use strict';
  var box = document.getElementById('import-report');
  if (!box) return;
  var src = box.getAttribute('data-src');
  function running() {
    var state = document.getElementById('import-state');
    var s = state && state.getAttribute('data-import-status');
    return s === 'queued' || s === 'running';
  }
  function poll() {
    if (!running()) return;
    fetch(src, { headers: { accept: 'text/html' }, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html !== null) box.innerHTML = html;
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
