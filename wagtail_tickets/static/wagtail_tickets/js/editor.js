/*
 * wagtail-tickets: progressive enhancement of the customer-area forms.
 *
 * - Every <textarea data-wt-rich-text> becomes a Trix editor. The textarea stays in the page
 *   (hidden, without its name) and a hidden input carries the editor's HTML under the field's
 *   name, so the server receives the same field with or without JavaScript.
 * - Files are not embedded in the editor: attachments go through the form's file input.
 * - The priority field is shown only for types on which the customer chooses it.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var TAG = /<[a-zA-Z\/!]/;

  function escapeHtml(text) {
    return text
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;");
  }

  /* The textarea may hold plain text (typed without JavaScript) or editor HTML
     (redisplayed after a form error): the same rule as the server's. */
  function asHtml(value) {
    if (!value || TAG.test(value)) {
      return value || "";
    }
    return value
      .replace(/\r\n/g, "\n")
      .split(/\n\s*\n/)
      .map(function (paragraph) {
        return "<div>" + escapeHtml(paragraph.trim()).replace(/\n/g, "<br>") + "</div>";
      })
      .join("");
  }

  function translateToolbar() {
    if (!window.Trix || !script) {
      return;
    }
    var data = script.dataset;
    Object.keys(data).forEach(function (key) {
      if (key.indexOf("lang") === 0 && key.length > 4) {
        var name = key.charAt(4).toLowerCase() + key.slice(5);
        window.Trix.config.lang[name] = data[key];
      }
    });
  }

  function enhance(textarea) {
    if (textarea.dataset.wtEnhanced) {
      return;
    }
    textarea.dataset.wtEnhanced = "1";

    var input = document.createElement("input");
    input.type = "hidden";
    input.id = textarea.id + "_html";
    input.name = textarea.name;
    input.value = asHtml(textarea.value);

    var editor = document.createElement("trix-editor");
    editor.setAttribute("input", input.id);
    editor.className = "wt-editor trix-content";
    editor.id = textarea.id + "_editor";
    var label = document.querySelector('label[for="' + textarea.id + '"]');
    if (label) {
      label.id = label.id || textarea.id + "_label";
      editor.setAttribute("aria-labelledby", label.id);
      label.setAttribute("for", editor.id);
    }
    var describedBy = textarea.getAttribute("aria-describedby");
    if (describedBy) {
      editor.setAttribute("aria-describedby", describedBy);
    }
    if (textarea.getAttribute("aria-invalid") === "true") {
      editor.setAttribute("aria-invalid", "true");
    }

    textarea.removeAttribute("name");
    textarea.required = false;
    textarea.hidden = true;
    textarea.parentNode.insertBefore(input, textarea.nextSibling);
    input.parentNode.insertBefore(editor, input.nextSibling);
  }

  function togglePriority(select) {
    var form = select.form;
    var field = form && form.querySelector("[data-wt-priority-field]");
    if (!field) {
      return;
    }
    var option = select.options[select.selectedIndex];
    var allowed = Boolean(option && option.dataset.priority);
    field.hidden = !allowed;
    if (!allowed) {
      var priority = field.querySelector("select");
      if (priority) {
        priority.value = "";
      }
    }
  }

  /* The formatting toolbar is reachable with Tab (Trix takes its buttons out of the tab
     order) and works with Enter and Space: Trix acts on mousedown, which a keyboard never
     sends, so a keyboard click is passed on as one. After a formatting button the caret
     goes back to the text, where the format applies to what is typed next. */
  document.addEventListener("trix-initialize", function (event) {
    var toolbar = event.target.toolbarElement;
    if (!toolbar || toolbar.dataset.wtKeyboard) {
      return;
    }
    toolbar.dataset.wtKeyboard = "1";
    toolbar.setAttribute("role", "toolbar");
    var label = event.target.getAttribute("aria-labelledby");
    if (label) {
      toolbar.setAttribute("aria-labelledby", label);
    }
    toolbar.querySelectorAll("button").forEach(function (button) {
      button.removeAttribute("tabindex");
    });
    toolbar.addEventListener("click", function (click) {
      var button = click.target.closest && click.target.closest("button");
      if (!button || click.detail !== 0 || button.disabled || button.closest(".trix-dialog")) {
        return;
      }
      button.dispatchEvent(new MouseEvent("mousedown", { bubbles: true, cancelable: true }));
      if (button.hasAttribute("data-trix-attribute") && !button.hasAttribute("data-trix-action")) {
        event.target.focus();
      }
    });
  });

  /* Attachments belong in the file input, never inside the message. */
  document.addEventListener("trix-file-accept", function (event) {
    event.preventDefault();
  });
  document.addEventListener("trix-attachment-add", function (event) {
    if (event.attachment && event.attachment.remove) {
      event.attachment.remove();
    }
  });

  function start() {
    if (window.Trix) {
      translateToolbar();
      document.querySelectorAll("textarea[data-wt-rich-text]").forEach(enhance);
    }
    document.querySelectorAll("select[data-wt-type]").forEach(function (select) {
      togglePriority(select);
      select.addEventListener("change", function () {
        togglePriority(select);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
