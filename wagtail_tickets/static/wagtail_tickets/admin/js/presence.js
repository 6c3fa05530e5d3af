/* Who else is on this ticket (the workspace's presence list).

   Every few seconds the page tells the server that its agent is still here and whether
   they are writing a reply (they typed in the reply box during the last WRITING_MS), and
   gets back the list of the other agents with the ticket open, as HTML the server
   translated, plus a line when messages were added since the page was loaded. Typing
   after a pause is told at once. Leaving the page (pagehide) sends a beacon that takes
   the agent off the list; a page restored from the browser's cache starts again. Without
   JavaScript the list is as it was when the page opened, and the send check on the server
   still stops a reply that would cross a new message. */
(function () {
  'use strict';

  var WRITING_MS = 15000; // typing this recently counts as writing a reply
  var SOON_MS = 300; // a change of the writing flag is told after this pause

  function start(box) {
    var pingUrl = box.getAttribute('data-wt-ping-url');
    var leaveUrl = box.getAttribute('data-wt-leave-url');
    var tab = box.getAttribute('data-wt-tab');
    var every = Math.max(1, parseInt(box.getAttribute('data-wt-interval'), 10) || 5) * 1000;
    var list = box.querySelector('[data-wt-presence-list]');
    var form = document.getElementById(box.getAttribute('data-wt-form'));
    if (!form || !pingUrl || !tab) {
      return;
    }
    var body = form.querySelector('[name="body"]');
    var area = (body && body.closest('[data-field-wrapper], .w-field__wrapper')) || form;
    var typedAt = 0;
    var toldWriting = false;
    var timer = null;
    var inFlight = false;
    var stopped = false;

    function writing() {
      return typedAt > 0 && Date.now() - typedAt < WRITING_MS;
    }

    function field(name) {
      var input = form.querySelector('input[name="' + name + '"]');
      return input ? input.value : '';
    }

    function payload() {
      var data = new FormData();
      data.append('csrfmiddlewaretoken', field('csrfmiddlewaretoken'));
      data.append('tab', tab);
      return data;
    }

    function schedule(delay) {
      window.clearTimeout(timer);
      if (!stopped) {
        timer = window.setTimeout(ping, delay);
      }
    }

    function ping() {
      if (stopped) {
        return;
      }
      if (inFlight) {
        schedule(SOON_MS);
        return;
      }
      inFlight = true;
      toldWriting = writing();
      var data = payload();
      data.append('writing', toldWriting ? '1' : '');
      data.append('seen_message', field('seen_message'));
      data.append('seen_count', field('seen_count'));
      fetch(pingUrl, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'X-Requested-With': 'XMLHttpRequest' },
        body: data,
      })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (answer) {
          // the list is a live region: rewritten only when it changes, or screen
          // readers would hear it again at every ping
          if (answer && list) {
            var fresh = document.createElement('div');
            fresh.innerHTML = answer.html; // as the browser writes it, to compare like with like
            if (fresh.innerHTML.trim() !== list.innerHTML.trim()) {
              list.innerHTML = fresh.innerHTML;
            }
          }
        })
        .catch(function () {
          // offline for a moment: the next ping tries again
        })
        .then(function () {
          inFlight = false;
          // the writing flag ends when the agent stops typing: tell it then
          var delay = toldWriting ? Math.min(every, typedAt + WRITING_MS - Date.now() + 50) : every;
          schedule(Math.max(SOON_MS, delay));
        });
    }

    function typed(event) {
      if (event.type === 'keydown' && event.key && event.key.length !== 1 && event.key !== 'Backspace' && event.key !== 'Delete' && event.key !== 'Enter') {
        return; // arrows, Tab and modifier keys write nothing
      }
      typedAt = Date.now();
      if (!toldWriting) {
        toldWriting = true;
        schedule(SOON_MS);
      }
    }
    box.addEventListener('click', function (event) {
      if (event.target.closest('[data-wt-presence-reload]')) {
        // the draft keeps the reply box; the page opens again at the newest message
        window.location.hash = 'latest';
        window.location.reload();
      }
    });
    area.addEventListener('input', typed, true);
    area.addEventListener('keydown', typed, true);

    window.addEventListener('pagehide', function () {
      stopped = true;
      window.clearTimeout(timer);
      if (navigator.sendBeacon && leaveUrl) {
        navigator.sendBeacon(leaveUrl, payload());
      }
    });
    window.addEventListener('pageshow', function (event) {
      if (event.persisted) {
        stopped = false;
        ping();
      }
    });

    schedule(every);
  }

  function init() {
    var boxes = document.querySelectorAll('[data-wt-presence]');
    for (var i = 0; i < boxes.length; i += 1) {
      start(boxes[i]);
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
