/* The owner app's charts (等级, 数据): every element with class "chart" carries its Apache ECharts option as JSON
   in data-chart, written by the server (distro/owner/figures.py). This draws them with the vendored ECharts, when
   the page loads and whenever htmx puts new ones in (the 数据 page's period), and lets go of the ones htmx takes
   out. Loaded with the page's CSP nonce; it evaluates nothing and reaches nothing but this page. */
(function () {
  "use strict";

  function charts(root) {
    var found = Array.prototype.slice.call(root.querySelectorAll(".chart[data-chart]"));
    if (root.matches && root.matches(".chart[data-chart]")) {
      found.push(root);
    }
    return found;
  }

  function draw(root) {
    charts(root).forEach(function (element) {
      if (!echarts.getInstanceByDom(element)) {
        echarts.init(element, null, { renderer: "canvas" }).setOption(JSON.parse(element.dataset.chart));
      }
    });
  }

  function forget(root) {
    charts(root).forEach(function (element) {
      var chart = echarts.getInstanceByDom(element);
      if (chart) {
        chart.dispose();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:beforeSwap", function (event) { forget(event.detail.target); });
  document.addEventListener("htmx:load", function (event) { draw(event.detail.elt); });
  window.addEventListener("resize", function () {
    charts(document).forEach(function (element) {
      var chart = echarts.getInstanceByDom(element);
      if (chart) {
        chart.resize();
      }
    });
  });
})();
