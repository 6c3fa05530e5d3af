/* Response template picker (D9): choosing a template reloads the reply box with its text,
   asking first when the agent has already written something. Without JavaScript the
   "Insert template" button does the same. */
(function () {
  'use strict';

  function replyHasText() {
    var input = document.querySelector('.wt-reply-form input[name="body"]');
    if (!input || !input.value) {
      return false;
    }
    try {
      var state = JSON.parse(input.value);
      return (state.blocks || []).some(function (block) {
        return (block.text || '').trim() !== '';
      });
    } catch (error) {
      return input.value.trim() !== '';
    }
  }

  document.addEventListener('DOMContentLoaded', function () {
    var picker = document.querySelector('[data-wt-template-picker]');
    if (!picker) {
      return;
    }
    var select = picker.querySelector('select');
    var button = picker.querySelector('button');
    if (button) {
      button.hidden = true;
    }
    var previous = select ? select.value : null;
    if (select) {
      select.addEventListener('change', function () {
        var question = picker.getAttribute('data-wt-confirm') ||
          'Replace the text of your reply with this template?';
        if (replyHasText() && !window.confirm(question)) {
          select.value = previous;
          return;
        }
        picker.submit();
      });
    }
  });
})();
