// "Insert help article" in the workspace: Wagtail's page chooser, limited to articles;
// the chosen article goes into the reply editor as a link (pasted, so the editor keeps
// its own undo history and link rules).
(function () {
  "use strict";
  var ARTICLE_MODEL = "wagtail_tickets_helpcentre.helparticlepage";

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  function paste(editable, title, url) {
    var data = new DataTransfer();
    data.setData("text/html", '<a href="' + escapeHtml(url) + '">' + escapeHtml(title) + "</a>");
    data.setData("text/plain", title + " (" + url + ")");
    editable.focus();
    editable.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
  }

  function init(tool) {
    var button = tool.querySelector("[data-wt-help-insert-button]");
    var status = tool.querySelector("[data-wt-help-insert-status]");
    var form = document.querySelector("form[data-wt-workspace]");
    button.addEventListener("click", function () {
      if (!window.PageChooserModal) return;
      var modal = new window.PageChooserModal(tool.dataset.chooserUrl);
      modal.open({ modelNames: [ARTICLE_MODEL] }, function (page) {
        var url = tool.dataset.linkUrl.replace(/\/0\/$/, "/" + encodeURIComponent(page.id) + "/");
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) {
            if (!response.ok) throw new Error(String(response.status));
            return response.json();
          })
          .then(function (article) {
            var editable = form && form.querySelector("[contenteditable=true]");
            if (!editable) throw new Error("no editor");
            paste(editable, article.title, article.url);
            status.textContent = "";
          })
          .catch(function () {
            status.textContent = tool.dataset.failed;
          });
      });
    });
  }

  function start() {
    document.querySelectorAll("[data-wt-help-insert]").forEach(init);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
