/* The ticket workspace.

   - Drafts: a moment after the agent changes the reply box or a ticket field, the page
     saves them as the agent's draft (a POST to the draft URL; the server keeps one per
     agent and ticket and restores it when the workspace opens, on any device). Leaving
     the page asks first while the latest change has not reached the server. The page's
     own buttons send the whole form, which the server keeps as the draft too.
   - The response template picker reloads the reply box with a template's text, asking
     first when the agent has changed the text already. Without JavaScript the "Insert
     template" button does the same.
   - "Preview the mail" shows the reply as the customer will get it (the server renders
     it; the mail itself sits in a sandboxed frame).
   - "Send and set status to ..." is a menu of submit buttons; it closes on a click
     elsewhere or Escape. */
(function () {
  'use strict';

  var SAVE_AFTER_MS = 1200; // quiet time after the last change before saving
  var CHECK_EVERY_MS = 400;
  var RETRY_AFTER_MS = 10000;
  var EDITOR_LAG_MS = 1500; // the editor writes its text into the form after a pause
  var EDITOR_WRITES_MS = 500; // ... of at most this long
  var NOT_SAVED = { csrfmiddlewaretoken: true, hours: true, rate: true };

  function formState(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (typeof value === 'string' && !NOT_SAVED[name]) {
        params.append(name, value);
      }
    });
    return params.toString();
  }

  function post(form, url, body) {
    var token = form.querySelector('input[name="csrfmiddlewaretoken"]');
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-CSRFToken': token ? token.value : '',
        'X-Requested-With': 'XMLHttpRequest',
      },
      body: body,
    });
  }

  function belongsTo(form, element) {
    return Boolean(element) && (element.form === form || form.contains(element));
  }

  function setupDrafts(form) {
    var url = form.getAttribute('data-wt-draft-url');
    var status = form.querySelector('[data-wt-draft-status]');
    var discard = form.querySelector('[data-wt-discard]');
    // a template chosen over a draft: the box differs from what the server holds
    var differs = new URLSearchParams(window.location.search).has('template');
    var saved = differs ? null : formState(form);
    var seen = formState(form);
    var changedAt = 0;
    var typedAt = 0;
    var sentAt = 0;
    var saving = false;
    var leaving = false;

    function show(text) {
      if (status) {
        status.textContent = text || '';
      }
    }

    function noteInput(event) {
      if (belongsTo(form, event.target)) {
        typedAt = Date.now();
      }
    }
    document.addEventListener('input', noteInput, true);
    document.addEventListener('change', noteInput, true);

    function save(state) {
      saving = true;
      sentAt = Date.now();
      show(form.getAttribute('data-wt-saving'));
      post(form, url, state)
        .then(function (response) {
          return response.json().then(function (data) {
            if (!response.ok) {
              throw new Error(data.error || '');
            }
            saved = state;
            show(data.status);
            if (discard) {
              discard.hidden = !data.saved;
            }
          });
        })
        .catch(function (error) {
          show((error && error.message) || form.getAttribute('data-wt-save-failed'));
          changedAt = Date.now() + RETRY_AFTER_MS;
        })
        .then(function () {
          saving = false;
        });
    }

    function tick() {
      var now = Date.now();
      var state = formState(form);
      if (!typedAt && !differs) {
        // until the agent changes something, what the page holds is what the server
        // holds (the editor rewrites its field in its own format as it starts)
        saved = seen = state;
        return;
      }
      if (state !== seen) {
        seen = state;
        changedAt = now;
      }
      if (!saving && !leaving && state !== saved && now - changedAt >= SAVE_AFTER_MS) {
        save(state);
      }
    }
    window.setInterval(tick, CHECK_EVERY_MS);

    function unsaved() {
      if (!typedAt && !differs) {
        return false; // the agent has changed nothing on this page
      }
      if (saving || formState(form) !== saved) {
        return true;
      }
      // typed just now: the editor may not have written it into the form yet
      return typedAt > sentAt && Date.now() - typedAt < EDITOR_LAG_MS;
    }

    window.addEventListener('beforeunload', function (event) {
      if (leaving || !unsaved()) {
        return undefined;
      }
      var question = form.getAttribute('data-wt-leave-warning');
      event.preventDefault();
      event.returnValue = question;
      return question;
    });

    // the form's own buttons send everything: the server keeps what is not applied
    form.addEventListener('submit', function () {
      leaving = true;
    });

    if (discard) {
      discard.addEventListener('click', function (event) {
        if (!window.confirm(form.getAttribute('data-wt-discard-confirm'))) {
          event.preventDefault();
        }
      });
    }

    return {
      leave: function () {
        leaving = true;
      },
    };
  }

  function replyText(form) {
    var input = form.querySelector('input[name="body"]');
    if (!input || !input.value) {
      return '';
    }
    try {
      var state = JSON.parse(input.value);
      return (state.blocks || [])
        .map(function (block) {
          return block.text || '';
        })
        .join('\n')
        .trim();
    } catch (error) {
      return input.value.trim();
    }
  }

  function setupPicker(form, drafts) {
    var picker = document.querySelector('[data-wt-template-picker]');
    if (!picker) {
      return;
    }
    var select = picker.querySelector('select');
    var button = picker.querySelector('button');
    if (!select) {
      return;
    }
    if (button) {
      button.hidden = true;
    }
    var previous = select.value;
    var original = replyText(form);
    select.addEventListener('change', function () {
      var current = replyText(form);
      var question = picker.getAttribute('data-wt-confirm');
      if (current && current !== original && !window.confirm(question)) {
        select.value = previous;
        return;
      }
      drafts.leave(); // the agent chose to replace the text
      picker.submit();
    });
  }

  function setupPreview(form) {
    var box = document.querySelector('[data-wt-preview]');
    if (!box) {
      return;
    }
    var body = box.querySelector('[data-wt-preview-body]');
    var refresh = box.querySelector('[data-wt-preview-refresh]');
    var loading = body.textContent;
    var failed = box.getAttribute('data-wt-preview-failed');
    box.hidden = false;

    function load() {
      body.textContent = loading;
      // after the editor has written the latest keystrokes into the form
      window.setTimeout(function () {
        post(form, form.getAttribute('data-wt-preview-url'), formState(form))
          .then(function (response) {
            return response.text();
          })
          .then(function (html) {
            // the server's fragment: every value escaped, the mail in a sandboxed frame
            body.innerHTML = html;
          })
          .catch(function () {
            body.textContent = failed;
          });
      }, EDITOR_WRITES_MS);
    }

    box.addEventListener('toggle', function () {
      if (box.open) {
        load();
      }
    });
    if (refresh) {
      refresh.addEventListener('click', load);
    }
  }

  function setupSplitButton() {
    var menus = document.querySelectorAll('.wt-split__more');
    function closeAll(except) {
      menus.forEach(function (menu) {
        if (menu !== except) {
          menu.open = false;
        }
      });
    }
    document.addEventListener('click', function (event) {
      var inside = event.target.closest ? event.target.closest('.wt-split__more') : null;
      closeAll(inside);
    });
    document.addEventListener('keydown', function (event) {
      if (event.key === 'Escape') {
        closeAll(null);
      }
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var form = document.querySelector('[data-wt-workspace]');
    if (!form) {
      return;
    }
    var drafts = setupDrafts(form);
    setupPicker(form, drafts);
    setupPreview(form);
    setupSplitButton();
  });
})();
