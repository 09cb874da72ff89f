/*
 * Live updates: /console/events says which conversation changed, or which broadcast made
 * progress; every part of the page marked data-live-src that shows it is fetched again from the
 * server and swapped in (a part with data-broadcast-id follows that broadcast only, the others
 * follow conversations). Without JS the page still works (reload to see new texts).
 */
(function () {
  'use strict';
  var parts = Array.prototype.slice.call(document.querySelectorAll('[data-live-src]'));
  if (!parts.length || !window.EventSource) return;
  var status = document.getElementById('live-status');

  // One fetch at a time per part: an event that arrives while a fetch is on its way asks for one
  // more fetch after it, so an older answer can never land after a newer one and hide a change.
  // An event about what this part shows; `all` (the connection just opened) concerns every part.
  function concerns(part, event) {
    if (event.all) return true;
    var broadcast = part.getAttribute('data-broadcast-id');
    if (broadcast ? String(event.broadcastId) !== broadcast : event.broadcastId !== undefined) return false;
    var only = part.getAttribute('data-conversation-id');
    return !only || String(event.conversationId) === only;
  }

  function refresh(part, event) {
    if (!concerns(part, event)) return;
    if (part.__liveBusy) {
      part.__liveAgain = part.__liveAgain || event;
      return;
    }
    part.__liveBusy = true;
    fetch(part.getAttribute('data-live-src'), { headers: { accept: 'text/html', 'x-live': '1' }, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        // Unchanged (the buttons, while only the counts move): left alone.
        if (html === null || html === part.__liveHtml) return;
        part.__liveHtml = html;
        // What the page already shows (the answer to the fetch made as the connection opened): left alone.
        var fresh = document.createElement('template');
        fresh.innerHTML = html;
        if (fresh.innerHTML.trim() === part.innerHTML.trim()) return;
        // Keep keyboard focus on the same link if it is still there after the swap.
        var focused = part.contains(document.activeElement) ? document.activeElement.getAttribute('href') : null;
        // A box ticked by hand (a cancel's confirmation) stays ticked across the swap.
        var ticked = Array.prototype.map.call(part.querySelectorAll('input[type="checkbox"]:checked'), function (box) { return box.id; });
        // So does what the server said about a field ("Tick the box to cancel"): a refresh knows nothing of it.
        var said = Array.prototype.map.call(part.querySelectorAll('[id][aria-describedby]'), function (field) {
          return { field: field.id, message: document.getElementById(field.getAttribute('aria-describedby')) };
        }).filter(function (s) { return s.message && part.contains(s.message); });
        part.innerHTML = html;
        ticked.forEach(function (id) {
          var box = id && document.getElementById(id);
          if (box && part.contains(box)) box.checked = true;
        });
        said.forEach(function (s) {
          var field = document.getElementById(s.field);
          if (!field || !part.contains(field) || document.getElementById(s.message.id)) return;
          field.setAttribute('aria-invalid', 'true');
          field.setAttribute('aria-describedby', s.message.id);
          (part.querySelector('label[for="' + s.field + '"]') || field).insertAdjacentElement('afterend', s.message);
        });
        if (focused) {
          var again = part.querySelector('[href="' + focused + '"]');
          if (again) again.focus();
        }
        if (status && event.change === 'message') status.textContent = 'New message at ' + new Date().toLocaleTimeString();
        part.setAttribute('data-live-updated', String(Date.now()));
      })
      .catch(function () { /* the next event fetches again */ })
      .then(function () {
        // Counts answered refreshes, swapped or not (what a test waits for).
        part.setAttribute('data-live-fetched', String(Number(part.getAttribute('data-live-fetched') || 0) + 1));
        part.__liveBusy = false;
        var next = part.__liveAgain;
        part.__liveAgain = null;
        if (next) refresh(part, next);
      });
  }

  var source = new EventSource('/console/events');
  source.addEventListener('conversation', function (e) {
    var event;
    try { event = JSON.parse(e.data); } catch (err) { return; }
    parts.forEach(function (part) { refresh(part, event); });
  });
  source.addEventListener('broadcast', function (e) {
    var event;
    try { event = JSON.parse(e.data); } catch (err) { return; }
    if (typeof event.broadcastId !== 'number') return;
    parts.forEach(function (part) { refresh(part, event); });
  });
  document.documentElement.setAttribute('data-live', 'connecting');
  // Whatever changed between the page's render and this connection (or while it was down and
  // reconnecting) sent its event to nobody: each part is fetched once as the connection opens.
  source.addEventListener('open', function () {
    document.documentElement.setAttribute('data-live', 'open');
    parts.forEach(function (part) { refresh(part, { all: true }); });
  });
})();
