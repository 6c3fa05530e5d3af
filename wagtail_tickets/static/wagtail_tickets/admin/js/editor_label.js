/* wagtail-tickets: the rich text editor's text box is named by its field's label.
   Draftail renders its text box (role="textbox") without a name; this gives it
   aria-labelledby pointing at the field's <label>, also when the editor renders it again.
   When the field has an error, the text box also gets aria-invalid and aria-describedby
   naming the error text, so a screen reader reads the error with the editor. */
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

  function describeErrors(input, editor) {
    var field = input.closest('.w-field');
    var errors = field ? field.querySelectorAll('.error-message') : [];
    if (!errors.length) {
      return;
    }
    var ids = (editor.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    errors.forEach(function (error, index) {
      if (!error.id) {
        error.id = (input.id || 'wt-editor') + '-error-' + index;
      }
      if (ids.indexOf(error.id) === -1) {
        ids.push(error.id);
      }
    });
    if (editor.getAttribute('aria-describedby') !== ids.join(' ')) {
      editor.setAttribute('aria-describedby', ids.join(' '));
    }
    if (editor.getAttribute('aria-invalid') !== 'true') {
      editor.setAttribute('aria-invalid', 'true');
    }
  }

  function nameEditors() {
    document.querySelectorAll('input[data-draftail-input]').forEach(function (input) {
      var editor = input.parentNode && input.parentNode.querySelector('[role="textbox"]');
      if (!editor) {
        var wrapper = input.closest('.w-field__input, .w-field, .Draftail-Editor__wrapper');
        editor = wrapper && wrapper.querySelector('[role="textbox"]');
      }
      if (!editor) {
        return;
      }
      if (!editor.getAttribute('aria-labelledby')) {
        var label = labelFor(input);
        if (label) {
          editor.setAttribute('aria-labelledby', label.id);
        }
      }
      describeErrors(input, editor);
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
