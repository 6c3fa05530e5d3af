// The mailbox form shows the IMAP, sign-in and sending fields only for a mailbox that
// fetches its mail: a webhook mailbox needs its address alone. The hidden fields are still
// posted; the server ignores them for a webhook mailbox.
(function () {
  "use strict";
  var FETCHING_ONLY = [
    "host",
    "port",
    "security",
    "auth_method",
    "password",
    "oauth_application",
    "folder",
    "send_mail",
    "smtp_host",
    "smtp_port",
    "smtp_security",
  ];

  function setUp() {
    var select = document.querySelector('select[name="receive"]');
    if (!select || !select.form) {
      return;
    }
    var form = select.form;
    function update() {
      var posted = select.value === "webhook";
      FETCHING_ONLY.forEach(function (name) {
        var input = form.querySelector('[name="' + name + '"]');
        var field = input && input.closest(".w-field__wrapper");
        if (field) {
          field.hidden = posted;
        }
      });
    }
    select.addEventListener("change", update);
    update();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
