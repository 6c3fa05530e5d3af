// Suggests help articles while a ticket's subject is typed. Works without cookies (the
// external page may be in an iframe of another site): requests omit credentials.
(function () {
  "use strict";
  var DELAY_MS = 350;
  var MIN_LENGTH = 3;
  var MAX_LENGTH = 200;

  function init(box) {
    var form = box.closest("form");
    var input = form && form.querySelector("[name=subject]");
    if (!input || box.dataset.wtReady) return;
    box.dataset.wtReady = "1";
    var list = box.querySelector("[data-wt-help-suggest-list]");
    var template = box.querySelector("template[data-wt-help-suggest-item]");
    var status = box.querySelector("[data-wt-help-suggest-status]");
    var timer = null;
    var controller = null;
    var lastQuery = "";
    var pausedUntil = 0;

    function show(results) {
      list.textContent = "";
      results.forEach(function (article) {
        var item = template.content.firstElementChild.cloneNode(true);
        var link = item.querySelector("a");
        link.textContent = article.title;
        link.href = article.url;
        var summary = item.querySelector("p");
        if (article.summary) summary.textContent = article.summary;
        else summary.remove();
        item.querySelector("button").addEventListener("click", function () {
          answered(article.id);
        });
        list.appendChild(item);
      });
      box.hidden = results.length === 0 && !status.textContent;
    }

    function answered(id) {
      var body = new FormData();
      body.append("article", String(id));
      body.append("source", box.dataset.source);
      fetch(box.dataset.answeredUrl, { method: "POST", body: body, credentials: "omit" })
        .then(function (response) {
          if (!response.ok) return;
          status.textContent = box.dataset.thanks;
          list.textContent = "";
          box.hidden = false;
        })
        .catch(function () {});
    }

    function ask() {
      var query = input.value.trim().slice(0, MAX_LENGTH);
      if (query === lastQuery || Date.now() < pausedUntil) return;
      lastQuery = query;
      if (query.length < MIN_LENGTH) {
        show([]);
        return;
      }
      if (controller) controller.abort();
      controller = new AbortController();
      var url = box.dataset.suggestUrl + "?q=" + encodeURIComponent(query) +
        "&lang=" + encodeURIComponent(box.dataset.lang || "");
      fetch(url, { credentials: "omit", signal: controller.signal, headers: { Accept: "application/json" } })
        .then(function (response) {
          if (response.status === 429) {
            pausedUntil = Date.now() + 10000;
            lastQuery = "";
            return null;
          }
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (data && input.value.trim().slice(0, MAX_LENGTH) === query) show(data.results || []);
        })
        .catch(function () {});
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY_MS);
    });
    if (input.value) ask();
  }

  function start() {
    document.querySelectorAll("[data-wt-help-suggest]").forEach(init);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
