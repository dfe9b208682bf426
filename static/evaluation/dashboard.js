// Draws the ops dashboard's charts from the JSON the page embeds (json_script "dashboard-data"),
// on load and again whenever htmx swaps in a new date range. Chart.js is vendored under
// static/vendor/chart.js/.
(function () {
  "use strict";

  const percent = (value) => (value === null ? "—" : (value * 100).toFixed(1) + "%");
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
      scales: Object.assign({ y: { beginAtZero: true, ticks: { callback: formatY } } }, extraScales || {}),
    };
  }

  function definitions(data) {
    const count = { count: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } } };
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
        options: options((value) => (value === null ? "—" : Math.round(value) + " ms")),
      },
      answers: {
        type: "line",
        datasets: [
          line("No-answer rate", data.no_answer_rate),
          Object.assign(line("Answers", data.answers, { yAxisID: "count" }), { type: "bar" }),
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
          { label: "Ingested", data: data.documents_ingested },
          { label: "Failed", data: data.documents_failed },
          Object.assign(line("Pages", data.pages_ingested, { yAxisID: "count" }), { type: "line" }),
        ],
        options: options((value) => value, count),
      },
    };
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
      charts.push(new Chart(canvas, { type: spec.type, data: { labels: data.labels, datasets: spec.datasets }, options: spec.options }));
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
  // htmx:load fires on each element htmx adds: here, the new body of another date range.
  document.addEventListener("htmx:load", (event) => {
    if (event.target.id === "dashboard-body") draw();
  });
})();
