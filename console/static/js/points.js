import { api, cell, clearErrors, download, notice, showErrors, signedIn, today } from "./api.js";

const filter = document.getElementById("month-filter");
const body = document.querySelector("#sheets tbody");
const explain = document.getElementById("explain");
const adjustForm = document.getElementById("adjust-form");
const TOTALS = ["base", "items_total", "adjustments_total", "total"];
let me = null;
let sheets = [];
let chart = null;
let open = null; // { id, etag }

async function loadMonth() {
  clearErrors(filter);
  try {
    sheets = await api("GET", `/api/points/monthly?month=${encodeURIComponent(filter.month.value)}&page_size=100`);
  } catch (error) {
    showErrors(filter, error);
    return;
  }
  body.replaceChildren();
  const sums = Object.fromEntries(TOTALS.map((name) => [name, 0]));
  sheets.forEach((sheet, index) => {
    const tr = body.insertRow();
    tr.tabIndex = 0;
    tr.dataset.id = sheet.id;
    cell(tr, index + 1);
    cell(tr, sheet.officer_name);
    for (const name of TOTALS) {
      cell(tr, sheet[name], "number");
      sums[name] += Math.round(Number(sheet[name]) * 100);
    }
    cell(tr, sheet.state_name);
    const show = () => showSheet(sheet.id);
    tr.addEventListener("click", show);
    tr.addEventListener("keydown", (event) => { if (event.key === "Enter") show(); });
  });
  for (const name of TOTALS) document.querySelector(`[data-total="${name}"]`).textContent = (sums[name] / 100).toFixed(2);
  drawChart();
}

function drawChart() {
  const data = { labels: sheets.map((s) => s.officer_name), datasets: [{ label: "总分", data: sheets.map((s) => Number(s.total)) }] };
  if (chart) { chart.data = data; chart.update(); return; }
  chart = new Chart(document.getElementById("totals-chart"), { type: "bar", data, options: { animation: false } });
}

async function showSheet(id) {
  const [sheet, why] = await Promise.all([
    api("GET", `/api/points/monthly/${id}`, { full: true }),
    api("GET", `/api/points/monthly/${id}/explain`),
  ]);
  open = { id, etag: sheet.headers.get("ETag") };
  explain.hidden = false;
  document.getElementById("explain-title").textContent = `${why.officer_name} · ${why.state_name} · 总分 ${why.total}`;
  document.getElementById("explain-summary").textContent = why.summary;
  const lines = document.getElementById("explain-lines");
  lines.replaceChildren(...why.lines.map((line) => {
    const box = document.createElement("details");
    const head = document.createElement("summary");
    head.textContent = `${line.name}：${line.points} 分（${line.explanation}）`;
    const days = document.createElement("ul");
    days.append(...line.days.map((day) => {
      const li = document.createElement("li");
      li.textContent = `${day.day} · ${day.quantity} ${line.unit} · ${day.source_ref}`;
      return li;
    }));
    box.append(head, days);
    return box;
  }), ...sheet.data.adjustments.map((adjustment) => {
    const p = document.createElement("p");
    p.textContent = `调整 ${adjustment.points} 分：${adjustment.reason}`;
    return p;
  }));
}

adjustForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(adjustForm);
  try {
    await api("POST", `/api/points/monthly/${open.id}/adjustments`, {
      body: { points: adjustForm.points.value.trim(), reason: adjustForm.reason.value },
      headers: { "If-Match": open.etag },
    });
  } catch (error) {
    showErrors(adjustForm, error);
    return;
  }
  adjustForm.reset();
  notice("调整已保存，该月积分回到草稿，需重新审核");
  await Promise.all([loadMonth(), showSheet(open.id)]);
});

async function batch(action, done) {
  const result = await api("POST", `/api/points/squads/${me.officer.squad_id}/monthly/${action}`,
                           { body: { month: filter.month.value } }).catch((error) => { notice(error.message); });
  if (!result) return;
  const skipped = result.sheets.filter((s) => s.outcome === "skipped").map((s) => `${s.officer_name}：${s.message}`);
  document.getElementById("batch-result").textContent =
    `${done} ${result.done} 张，跳过 ${result.skipped} 张${skipped.length ? "（" + skipped.join("；") + "）" : ""}`;
  await loadMonth();
}

filter.addEventListener("submit", (event) => { event.preventDefault(); loadMonth(); });
document.getElementById("review-all").addEventListener("click", () => batch("review", "已审核"));
document.getElementById("publish-all").addEventListener("click", () => batch("publish", "已公布"));
document.getElementById("export").addEventListener("click", async () => {
  clearErrors(filter);
  const query = new URLSearchParams({ month: filter.month.value });
  if (me.officer.squad_id) query.set("squad_id", me.officer.squad_id);
  try {
    if (await download("/api/points/monthly/export?" + query)) notice("积分表已开始下载");
  } catch (error) {
    showErrors(filter, error);
  }
});
me = await signedIn();
if (me) {
  if (!filter.month.value) {
    const [year, mon] = today().split("-").map(Number);
    filter.month.value = mon === 1 ? `${year - 1}-12` : `${year}-${String(mon - 1).padStart(2, "0")}`;
  }
  await loadMonth();
}
