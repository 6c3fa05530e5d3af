/* Response template picker: choosing a template reloads the reply box with its text,
   asking first when the agent has changed the text already in the box. Without JavaScript
   the "Insert template" button does the same. */
(function () {
  'use strict';

  function replyText() {
    var input = document.querySelector('.wt-reply-form input[name="body"]');
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

  document.addEventListener('DOMContentLoaded', function () {
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
    var original = replyText();
    select.addEventListener('change', function () {
      var current = replyText();
      var question = picker.getAttribute('data-wt-confirm');
      if (current && current !== original && !window.confirm(question)) {
        select.value = previous;
        return;
      }
      picker.submit();
    });
  });
})();
