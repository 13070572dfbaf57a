// The dashboard's charts (Chart.js, vendored in static/vendor/chartjs), drawn from the JSON each chart's
// json_script carries: labels come translated from the server, and no script is written into the page.
(function () {
  "use strict";
  if (!window.Chart) return;
  var palette = ["#a4161a", "#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#6c757d", "#ffc107", "#d63384", "#0dcaf0"];

  function datasets(spec) {
    return spec.datasets.map(function (d, i) {
      var many = spec.type === "doughnut" || (spec.datasets.length === 1 && spec.horizontal);
      return {
        label: d.label,
        data: d.data.map(Number),
        backgroundColor: many ? d.data.map(function (_v, j) { return palette[j % palette.length]; }) : palette[i % palette.length],
        borderWidth: spec.type === "doughnut" ? 1 : 0,
      };
    });
  }

  function options(spec) {
    var links = spec.links || [];
    var opts = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: spec.type === "doughnut" || spec.datasets.length > 1, position: "bottom" } },
      // A bar or slice opens the list behind it, as the numbers in the tables do.
      onClick: function (_event, elements) {
        if (elements.length && links[elements[0].index]) window.location.assign(links[elements[0].index]);
      },
      onHover: function (event, elements) {
        event.native.target.style.cursor = elements.length ? "pointer" : "default";
      },
    };
    if (spec.type === "bar") {
      var ticks = spec.money ? {} : { precision: 0 };
      opts.indexAxis = spec.horizontal ? "y" : "x";
      opts.scales = {
        x: { stacked: !!spec.stacked, beginAtZero: true, ticks: spec.horizontal ? ticks : {} },
        y: { stacked: !!spec.stacked, beginAtZero: true, ticks: spec.horizontal ? {} : ticks },
      };
    }
    return opts;
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) return;
    var spec = JSON.parse(source.textContent);
    if (spec.horizontal) {
      canvas.parentNode.style.height = Math.max(160, 30 * spec.labels.length + 60) + "px";
    }
    new window.Chart(canvas, { type: spec.type, data: { labels: spec.labels, datasets: datasets(spec) }, options: options(spec) });
  });
})();
