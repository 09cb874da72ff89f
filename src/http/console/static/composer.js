/*
 * The update composer, enhanced: each row shows only the slot fields its sentence uses, own words
 * get a live character and segment count, a preview takes the focus, and Send cannot be pressed
 * twice (the server would not send twice anyway: the form carries a request id). Without JS every
 * field shows and everything still works.
 */
(function () {
  'use strict';
  function slotsOf(select) {
    var opt = select.options[select.selectedIndex];
    var list = opt && opt.getAttribute('data-slots');
    return list === null || list === undefined ? [] : list.split(' ').filter(Boolean);
  }
  function container(select) {
    var node = select;
    while (node && node.tagName !== 'FIELDSET') node = node.parentNode;
    return node;
  }
  function showSlots(select) {
    var box = container(select);
    if (!box) return;
    var used = slotsOf(select);
    Array.prototype.forEach.call(box.querySelectorAll('.slot'), function (p) {
      p.hidden = used.indexOf(p.getAttribute('data-slot')) === -1;
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll('.template-picker'), function (select) {
    select.addEventListener('change', function () { showSlots(select); });
    showSlots(select);
  });

  function count(box) {
    var out = document.getElementById(box.getAttribute('aria-describedby').split(' ')[0]);
    if (!out || !window.FLSegments) return;
    if (!box.value.trim()) { out.textContent = ''; return; }
    var info = window.FLSegments.segmentInfo(box.value);
    out.textContent = info.characters + ' characters · ' + info.encoding + ' · ' + info.segments + (info.segments === 1 ? ' segment' : ' segments') + ' (before translation)';
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
})();
