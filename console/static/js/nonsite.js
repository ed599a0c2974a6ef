// The non-site enforcement monthly report per squad as a chart and a table (counts only: observers read it too).
import { api, cell, clearErrors, download, notice, showErrors, signedIn, today } from "./api.js";

const filter = document.getElementById("month-filter");
const SERIES = [["alerts", "告警"], ["confirmed", "确认"], ["dismissed", "排除"], ["cases", "立案"],
                ["decisions", "处罚决定"]];
const COUNTS = ["alerts", "confirmed", "dismissed"];
const ENDINGS = ["cases", "not_registered", "withdrawn", "dropped", "revoked", "delivered"];
const month = () => encodeURIComponent(filter.month.value);
let chart = null;

function show(rows) {
  const data = { labels: rows.map((row) => row.squad),
                 datasets: SERIES.map(([name, label]) => ({ label, data: rows.map((row) => row[name]) })) };
  if (chart) { chart.data = data; chart.update(); } else {
    chart = new Chart(document.getElementById("nonsite-chart"), { type: "bar", data,
      options: { animation: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } });
  }
  const body = document.querySelector("#nonsite tbody");
  body.replaceChildren();
  for (const row of rows) {
    const tr = body.insertRow();
    cell(tr, row.squad);
    for (const name of COUNTS) cell(tr, row[name], "number");
    cell(tr, row.precision === null ? "—" : `${(row.precision * 100).toFixed(1)}%`, "number");
    for (const name of ENDINGS) cell(tr, row[name], "number");
    cell(tr, `${row.paid} / ${row.paid_amount}`, "number");
    cell(tr, row.decisions, "number");
    cell(tr, row.days_alert_to_decision ?? "—", "number");
  }
}

async function load() {
  clearErrors(filter);
  let rows;
  try {
    rows = await api("GET", `/api/nonsite/reports/monthly?month=${month()}`);
  } catch (error) {
    showErrors(filter, error);
    return;
  }
  if (rows) show(rows);
}

filter.addEventListener("submit", (event) => { event.preventDefault(); load(); });
document.getElementById("export").addEventListener("click", async () => {
  clearErrors(filter);
  try {
    if (await download(`/api/nonsite/reports/monthly/export?month=${month()}`)) notice("月报已开始下载");
  } catch (error) {
    showErrors(filter, error);
  }
});
if (await signedIn()) {
  filter.month.value ||= today().slice(0, 7);
  await load();
}
