/* wagtail-tickets: a field's error is read with the field.
   Wagtail's form fields show their error above the input but do not name it in the
   input's aria-describedby, so a screen reader that moves to the input does not read it.
   This gives every error text an id and adds it to its field's controls, with
   aria-invalid, also when a form is rendered again without a page load. */
(function () {
  'use strict';

  var CONTROLS = [
    '.w-field__input input:not([type=hidden])',
    '.w-field__input select',
    '.w-field__input textarea',
  ].join(', ');

  function tie() {
    document.querySelectorAll('.w-field--error').forEach(function (field) {
      var errors = field.querySelectorAll('.w-field__errors .error-message');
      var controls = field.querySelectorAll(CONTROLS);
      if (!errors.length || !controls.length) {
        return;
      }
      controls.forEach(function (control, index) {
        var ids = (control.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
        errors.forEach(function (error, number) {
          if (!error.id) {
            error.id = (control.id || 'wt-field-' + index) + '-error-' + number;
          }
          if (ids.indexOf(error.id) === -1) {
            ids.unshift(error.id);
          }
        });
        if (control.getAttribute('aria-describedby') !== ids.join(' ')) {
          control.setAttribute('aria-describedby', ids.join(' '));
        }
        if (control.getAttribute('aria-invalid') !== 'true') {
          control.setAttribute('aria-invalid', 'true');
        }
      });
    });
  }

  function start() {
    tie();
    new MutationObserver(tie).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
