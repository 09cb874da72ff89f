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

  window.FLCompose(function (box) { return document.getElementById(box.getAttribute('aria-describedby').split(' ')[0]); }, '(before translation)');
})();
