/* wagtail-tickets: the rich text editor's text box is named by its field's label.
   Draftail renders its text box (role="textbox") without a name; this gives it
   aria-labelledby pointing at the field's <label>, also when the editor renders it again. */
(function () {
  'use strict';

  function labelFor(input) {
    var field = input.closest('.w-field, [data-field-wrapper], .w-panel__content, form');
    var label = input.id && document.querySelector('label[for="' + input.id + '"]');
    if (!label && input.id) {
      label = document.getElementById(input.id + '-label');
    }
    if (!label && field) {
      label = field.querySelector('label');
    }
    if (label && !label.id) {
      label.id = (input.id || 'wt-editor') + '-label';
    }
    return label;
  }

  function nameEditors() {
    document.querySelectorAll('input[data-draftail-input]').forEach(function (input) {
      var editor = input.parentNode && input.parentNode.querySelector('[role="textbox"]');
      if (!editor) {
        var wrapper = input.closest('.w-field__input, .w-field, .Draftail-Editor__wrapper');
        editor = wrapper && wrapper.querySelector('[role="textbox"]');
      }
      if (!editor || editor.getAttribute('aria-labelledby')) {
        return;
      }
      var label = labelFor(input);
      if (label) {
        editor.setAttribute('aria-labelledby', label.id);
      }
    });
  }

  function start() {
    nameEditors();
    new MutationObserver(nameEditors).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
