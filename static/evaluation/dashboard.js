// Draws the ops dashboard's charts from the JSON the page embeds (json_script "dashboard-data"),
// on load and again whenever htmx swaps in a new date range. Chart.js is vendored under
// static/vendor/chart.js/.
(function () {
  "use strict";

  const percent = (value) => (value === null ? "—" : (value * 100).toFixed(1) + "%");
  // Milliseconds in human units, as ragapp/formats.py writes them: 850 ms, 17.2 s.
  const duration = (value) => {
    if (value === null || value === undefined) return "—";
    if (value === 0) return "0 ms";
    if (value < 10) return value.toFixed(1) + " ms";
    if (value < 1000) return Math.round(value) + " ms";
    return (value / 1000).toFixed(1) + " s";
  };
  let charts = [];

  function line(label, data, extra) {
    return Object.assign({ label, data, spanGaps: true, pointRadius: 2, borderWidth: 2 }, extra);
  }

  function options(formatY, extraScales) {
    return {
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { labels: { boxWidth: 12 } },
        tooltip: {
          callbacks: {
            label: (item) => item.dataset.label + ": " + (item.dataset.yAxisID === "count" ? item.raw : formatY(item.raw)),
          },
        },
      },
      scales: Object.assign(
        {
          // offset: a day at either end of the range sits inside the chart, not on its edge.
          x: { offset: true, ticks: { autoSkip: true, maxRotation: 0 } },
          y: { beginAtZero: true, ticks: { callback: formatY } },
        },
        extraScales || {},
      ),
    };
  }

  function definitions(data) {
    // grace: the highest bar or point stays inside the chart instead of touching its top.
    const count = { count: { position: "right", beginAtZero: true, grace: "10%", ticks: { precision: 0 }, grid: { drawOnChartArea: false } } };
    const plain = (value) => (value === null ? "—" : Number(value).toFixed(2));
    return {
      quality: {
        type: "line",
        datasets: data.eval
          .map((series) => line(series.label, series.data))
          // Online, per day: live answers declined, and voted down. Not online faithfulness,
          // which a quoted (extractive) answer scores 1.0 by construction.
          .concat([
            line("Live answers declined", data.no_answer_rate, { borderDash: [4, 3] }),
            line("Live answers voted down", data.down_rate, { borderDash: [2, 2] }),
          ]),
        options: Object.assign(options(plain), { scales: { y: { min: 0, max: 1 } } }),
      },
      feedback: {
        type: "line",
        datasets: [
          line("Voted up", data.up_rate),
          line("Voted down", data.down_rate),
          line("Copied", data.copy_rate),
          line("Citation opened", data.citation_rate),
        ],
        options: options(percent),
      },
      latency: {
        type: "line",
        datasets: [line("p50", data.latency_p50), line("p95", data.latency_p95)],
        options: options(duration, { y: { beginAtZero: true, grace: "10%", ticks: { callback: duration } } }),
      },
      answers: {
        type: "line",
        datasets: [
          line("No-answer rate", data.no_answer_rate),
          Object.assign(line("Answers", data.answers, { yAxisID: "count" }), { type: "bar", maxBarThickness: 48 }),
        ],
        options: options(percent, count),
      },
      drift: {
        type: "line",
        datasets: [
          line("Question topics (PSI)", data.query_psi),
          line("Top retrieval score (PSI)", data.score_psi),
          line("Feedback mix (PSI)", data.feedback_psi),
          line("Centroid distance", data.centroid_distance),
          line("Coverage gap", data.coverage_gap, { borderDash: [4, 3] }),
          line("Coverage gap, baseline", data.baseline_coverage_gap, { borderDash: [1, 3] }),
        ],
        options: options(plain),
      },
      ingestion: {
        type: "bar",
        datasets: [
          { label: "Ingested", data: data.documents_ingested, maxBarThickness: 48 },
          { label: "Failed", data: data.documents_failed, maxBarThickness: 48 },
          Object.assign(line("Pages", data.pages_ingested, { yAxisID: "count" }), { type: "line" }),
        ],
        options: options((value) => value, Object.assign({ y: { beginAtZero: true, grace: "10%", ticks: { precision: 0 } } }, count)),
      },
    };
  }

  const present = (value) => value !== null && value !== undefined;

  // Fit the x axis to the days that have data: a range of 30 days with one day of answers is
  // drawn as that one day (a point in the middle with its value), not a dot at the edge.
  function fitToData(labels, datasets) {
    let first = labels.length;
    let last = -1;
    datasets.forEach((dataset) =>
      dataset.data.forEach((value, index) => {
        if (present(value)) {
          first = Math.min(first, index);
          last = Math.max(last, index);
        }
      }),
    );
    if (last < 0) return { labels, datasets };
    const slice = (values) => values.slice(first, last + 1);
    return {
      labels: slice(labels),
      datasets: datasets.map((dataset) => {
        const data = slice(dataset.data);
        const points = data.filter(present).length;
        // A series of one or two points has no line to show: make the points visible.
        return Object.assign({}, dataset, { data, pointRadius: points <= 2 ? 5 : dataset.pointRadius });
      }),
    };
  }

  // The legend says each series' latest value, so a reader gets the figure without hovering.
  function withLatest(datasets, options) {
    const y = (options.scales && options.scales.y) || {};
    const format = (y.ticks && y.ticks.callback) || ((value) => Number(value).toFixed(2));
    return datasets.map((dataset) => {
      const values = dataset.data.filter(present);
      if (!values.length) return dataset;
      const latest = values[values.length - 1];
      const isCount = dataset.yAxisID === "count" || (dataset.type === "bar" && !dataset.yAxisID);
      const shown = isCount ? latest : format(latest);
      return Object.assign({}, dataset, { label: dataset.label + ": " + shown });
    });
  }

  function draw() {
    const source = document.getElementById("dashboard-data");
    if (!source || typeof Chart === "undefined") return;
    charts.forEach((chart) => chart.destroy());
    charts = [];
    const data = JSON.parse(source.textContent);
    const specs = definitions(data);
    Object.keys(specs).forEach((name) => {
      const canvas = document.getElementById("chart-" + name);
      if (!canvas) return;
      const spec = specs[name];
      const fitted = fitToData(data.labels, spec.datasets);
      const datasets = withLatest(fitted.datasets, spec.options);
      charts.push(new Chart(canvas, { type: spec.type, data: { labels: fitted.labels, datasets }, options: spec.options }));
    });
  }

  // "Figures updated 3 min ago" stays true while the page is open.
  function ago(seconds) {
    if (seconds < 60) return "just now";
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + " min ago";
    const hours = Math.floor(minutes / 60);
    return hours < 48 ? hours + " h ago" : Math.floor(hours / 24) + " days ago";
  }

  function tick() {
    document.querySelectorAll("#dashboard-updated time[datetime]").forEach((time) => {
      time.textContent = ago((Date.now() - Date.parse(time.getAttribute("datetime"))) / 1000);
    });
  }
  setInterval(tick, 30000);

  document.addEventListener("DOMContentLoaded", draw);
  // htmx:load fires on each element htmx adds: here, the new body of another date range.
  document.addEventListener("htmx:load", (event) => {
    if (event.target.id === "dashboard-body") draw();
  });
})();
