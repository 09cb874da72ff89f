/*
 * The broadcast form, enhanced: only the fields of the audience, message source and timing chosen
 * show, a reminder shows only the slots it uses, each text gets a live character and segment
 * count, a preview takes the focus, and Send cannot be pressed twice (the server would not create
 * two broadcasts anyway: the form carries a request id). Without JS every field shows.
 */
(function () {
  'use strict';
  var form = document.getElementById('broadcast-form');
  function chosen(name) {
    var checked = form && form.querySelector('input[name="' + name + '"]:checked');
    return checked ? checked.value : '';
  }
  function follow(name, attr) {
    if (!form) return;
    var update = function () {
      var value = chosen(name);
      Array.prototype.forEach.call(form.querySelectorAll('[' + attr + ']'), function (box) {
        box.hidden = box.getAttribute(attr) !== value;
      });
    };
    Array.prototype.forEach.call(form.querySelectorAll('input[name="' + name + '"]'), function (radio) {
      radio.addEventListener('change', update);
    });
    update();
  }
  follow('audience', 'data-for-audience');
  follow('source', 'data-for-source');
  follow('when', 'data-for-when');

  var picker = document.getElementById('reminderId');
  function showSlots() {
    var opt = picker.options[picker.selectedIndex];
    var used = ((opt && opt.getAttribute('data-slots')) || '').split(' ').filter(Boolean);
    Array.prototype.forEach.call(form.querySelectorAll('.slot'), function (p) {
      p.hidden = used.indexOf(p.getAttribute('data-slot')) === -1;
    });
  }
  if (picker) {
    picker.addEventListener('change', showSlots);
    showSlots();
  }

  window.FLCompose(function (box) { return document.getElementById(box.id + '-length'); }, 'per text');
})();
