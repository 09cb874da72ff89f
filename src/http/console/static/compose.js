/*
 * What the update composer and the broadcast form share: a live character and segment count under
 * each own-words box, the focus on a preview when one is shown, and a Send button that cannot be
 * pressed twice (the server would not send twice anyway: each form carries a request id).
 * `outputOf(box)` names the element a box's count goes to; `suffix` ends the count's words.
 */
window.FLCompose = function (outputOf, suffix) {
  'use strict';
  function count(box) {
    var out = outputOf(box);
    if (!out || !window.FLSegments) return;
    if (!box.value.trim()) { out.textContent = ''; return; }
    var info = window.FLSegments.segmentInfo(box.value);
    out.textContent = info.characters + ' characters · ' + info.encoding + ' · ' + info.segments + (info.segments === 1 ? ' segment' : ' segments') + ' ' + suffix;
  }
  Array.prototype.forEach.call(document.querySelectorAll('.own-words'), function (box) {
    box.addEventListener('input', function () { count(box); });
    count(box);
  });

  var heading = document.getElementById('preview-heading');
  if (heading) heading.focus();

  var send = document.getElementById('send-form');
  if (send) {
    send.addEventListener('submit', function () {
      var button = document.getElementById('send-button');
      // Disabled after the submit has taken the form's values, so the click itself still counts.
      if (button) setTimeout(function () { button.disabled = true; button.textContent = 'Sending…'; }, 0);
    });
  }
};
