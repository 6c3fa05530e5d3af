/*
 * wagtail-tickets external page: when shown in an iframe, tell the embedding page how tall
 * the content is, so the snippet of the docs can size the frame (no inner scroll bar).
 * Only a number is sent; the embedding page checks that it comes from this site's origin.
 */
(function () {
  "use strict";

  if (window.parent === window) {
    return;
  }
  var last = 0;

  function report() {
    var height = Math.ceil(document.documentElement.scrollHeight);
    if (height !== last) {
      last = height;
      window.parent.postMessage({ type: "wagtail-tickets:height", height: height }, "*");
    }
  }

  window.addEventListener("load", report);
  if (window.ResizeObserver) {
    new window.ResizeObserver(report).observe(document.body);
  } else {
    window.setInterval(report, 500);
  }
})();
