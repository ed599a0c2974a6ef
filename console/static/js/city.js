import { api, cell, clearErrors, download, notice, showErrors, signedIn, today } from "./api.js";

const filter = document.getElementById("month-filter");
const RATES = [["attendance_rate", "出勤率"], ["on_time_rate", "及时处置率"], ["satisfaction_rate", "满意率"],
               ["case_compliance_rate", "结案无两超期两随意率"], ["credit_on_track_rate", "学时达标率"],
               ["points_floor_rate", "月积分达标率"]];
const charts = {};
const percent = (rate) => (rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1)}%`);
const month = () => encodeURIComponent(filter.month.value);

function chart(id, labels, datasets, max) {
  const data = { labels, datasets };
  if (charts[id]) { charts[id].data = data; charts[id].update(); return; }
  charts[id] = new Chart(document.getElementById(id), { type: "bar", data,
    options: { animation: false, scales: { y: { beginAtZero: true, max } } } });
}

function showDistricts(rows) {
  chart("district-chart", rows.map((row) => row.district),
        RATES.map(([name, label]) => ({ label, data: rows.map((row) => (row[name] === null ? null : row[name] * 100)) })),
        100);
  const body = document.querySelector("#districts tbody");
  body.replaceChildren();
  for (const row of rows) {
    const tr = body.insertRow();
    cell(tr, row.district);
    cell(tr, row.shifts);
    cell(tr, percent(row.attendance_rate));
    cell(tr, row.late);
    cell(tr, row.out_of_area);
    cell(tr, `${row.orders_received} / ${row.complaints_received}`);
    cell(tr, percent(row.on_time_rate));
    cell(tr, percent(row.satisfaction_rate));
    cell(tr, row.case_flags);
    cell(tr, percent(row.credit_on_track_rate));
    cell(tr, row.points_mean ?? "—");
  }
}

function showTowns(rows, weights) {
  const used = weights.in_force;
  const label = used.example_default ? "示例默认值（源文件未给出权重，待市局或区局设定）"
    : (used.level === "city" ? "市局设定" : "本区设定");
  document.getElementById("weights").textContent =
    `权重（${label}）：` + (rows[0]?.components ?? []).map((c) => `${c.name} ${used.weights[c.component]}`).join("，");
  chart("town-chart", rows.map((row) => row.town), [{ label: "依法行政指数", data: rows.map((row) => row.index) }], 100);
  const body = document.querySelector("#towns tbody");
  body.replaceChildren();
  for (const row of rows) {
    const tr = body.insertRow();
    cell(tr, row.rank === null ? "—" : `${row.rank}（区内 ${row.district_rank}）`);
    cell(tr, row.town);
    cell(tr, row.district);
    cell(tr, row.index ?? "—");
    cell(tr, row.components.map((c) => `${c.name} ${percent(c.rate)}`).join("；"));
  }
}

async function load() {
  clearErrors(filter);
  const [districts, towns, weights] = await Promise.allSettled([
    api("GET", `/api/city-reports/districts?month=${month()}`),
    api("GET", `/api/city-reports/towns?month=${month()}`),
    api("GET", "/api/city-reports/index-weights"),
  ]);
  const refused = [districts, towns, weights].find((r) => r.status === "rejected" && r.reason?.status !== 403);
  if (refused) {
    showErrors(filter, refused.reason);
    return;
  }
  // a 街镇 leader reads their 街镇's index, not the districts' report (403): that part stays hidden
  document.getElementById("districts-card").hidden = districts.status !== "fulfilled";
  document.getElementById("export").hidden = districts.status !== "fulfilled";
  if (districts.status === "fulfilled") showDistricts(districts.value);
  if (towns.status === "fulfilled" && weights.status === "fulfilled") showTowns(towns.value, weights.value);
}

filter.addEventListener("submit", (event) => { event.preventDefault(); load(); });
document.getElementById("export").addEventListener("click", async () => {
  try {
    if (await download(`/api/city-reports/districts/export?month=${month()}`)) notice("报表已开始下载");
  } catch (error) {
    showErrors(filter, error);
  }
});
if (await signedIn()) {
  filter.month.value ||= today().slice(0, 7);
  await load();
}
