import { api, cell, notice, showErrors, signedIn } from "./api.js";

const filter = document.getElementById("period-filter");
const STATE = { draft: "草稿", confirmed: "已确认" };
let quarters = [];
let years = [];
let chart = null;

const quarterName = (q) => q.replace("-Q", " 年第 ") + " 季度";

function options(select, values, label) {
  const kept = select.value;
  select.replaceChildren(...values.map((value) => new Option(label(value), value)));
  select.value = values.includes(kept) ? kept : values[values.length - 1] ?? "";
}

// A confirmation form in a row: the row's detail is read for its ETag, then confirmed if still what was shown.
function confirmForm(template, path, id, body) {
  const form = document.getElementById(template).content.firstElementChild.cloneNode(true);
  form.id = `${template}-${id}`;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const shown = await api("GET", `${path}/${id}`, { full: true });
      await api("POST", `${path}/${id}/confirm`, { body: body(form), headers: { "If-Match": shown.headers.get("ETag") } });
    } catch (error) {
      showErrors(form, error);
      return;
    }
    notice("已确认");
    await load();
  });
  return form;
}

function showQuarter() {
  const body = document.querySelector("#quarterly tbody");
  body.replaceChildren();
  for (const row of quarters.filter((q) => q.quarter === filter.quarter.value).sort((a, b) => b.score - a.score)) {
    const tr = body.insertRow();
    tr.dataset.officer = row.officer_name;
    cell(tr, row.officer_name);
    cell(tr, row.months, "number");
    cell(tr, row.months_final, "number");
    cell(tr, row.points_average, "number");
    cell(tr, row.rating_name || "");
    cell(tr, row.score, "number");
    cell(tr, row.grade);
    cell(tr, STATE[row.state] || row.state);
    const action = cell(tr, "", "write");
    if (row.state !== "confirmed") {
      action.append(confirmForm("rate-template", "/api/points/quarterly", row.id, (form) => ({ rating: form.rating.value })));
    }
  }
}

function showYear() {
  const body = document.querySelector("#yearly tbody");
  body.replaceChildren();
  for (const row of years.filter((y) => String(y.year) === filter.year.value)) {
    const tr = body.insertRow();
    tr.dataset.officer = row.officer_name;
    cell(tr, row.rank, "number");
    cell(tr, row.officer_name);
    cell(tr, row.quarters, "number");
    cell(tr, row.quarters_final, "number");
    cell(tr, row.score, "number");
    cell(tr, row.deductions, "number");
    cell(tr, row.grade_name);
    cell(tr, STATE[row.state] || row.state);
    const action = cell(tr, "", "write");
    if (row.state !== "confirmed") action.append(confirmForm("confirm-template", "/api/points/yearly", row.id, () => undefined));
  }
}

function drawTrend(sheets) {
  const months = [...new Set(sheets.map((s) => s.month))].sort();
  const people = [...new Set(sheets.map((s) => s.officer_name))];
  const datasets = people.map((name) => ({
    label: name,
    data: months.map((month) => {
      const sheet = sheets.find((s) => s.officer_name === name && s.month === month);
      return sheet ? Number(sheet.total) : null;
    }),
    spanGaps: true,
  }));
  const data = { labels: months, datasets };
  if (chart) { chart.data = data; chart.update(); return; }
  chart = new Chart(document.getElementById("trend-chart"), { type: "line", data, options: { animation: false } });
}

async function load() {
  const squad = filter.squad_id.value;
  const [q, y, sheets] = await Promise.all([
    api("GET", `/api/points/quarterly?squad_id=${squad}&page_size=100`),
    api("GET", `/api/points/yearly?squad_id=${squad}&page_size=100`),
    api("GET", `/api/points/monthly?squad_id=${squad}&page_size=100`),
  ]);
  quarters = q;
  years = y;
  options(filter.quarter, [...new Set(q.map((row) => row.quarter))].sort(), quarterName);
  options(filter.year, [...new Set(y.map((row) => String(row.year)))].sort(), (year) => `${year} 年`);
  showQuarter();
  showYear();
  drawTrend(sheets);
}

filter.squad_id.addEventListener("change", load);
filter.quarter.addEventListener("change", showQuarter);
filter.year.addEventListener("change", showYear);
filter.addEventListener("submit", (event) => event.preventDefault());

const me = await signedIn();
if (me) {
  if (me.officer.squad_id) filter.squad_id.replaceChildren(new Option("本中队", me.officer.squad_id));
  else {
    const squads = await api("GET", "/api/org/squads");
    filter.squad_id.replaceChildren(...squads.map((squad) => new Option(squad.name, squad.id)));
  }
  await load();
}
