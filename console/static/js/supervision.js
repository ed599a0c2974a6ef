import { api, cell, clearErrors, localTime, notice, session, showErrors, signedIn, today, toSignIn } from "./api.js";

const filter = document.getElementById("month-filter");
const SERIES = [["registered", "立案"], ["closed", "结案"], ["registration_overdue", "立案超期"],
                ["handling_overdue", "办案超期"], ["arbitrary_withdrawal", "随意撤案"], ["arbitrary_revocation", "随意撤销处罚"]];
let chart = null;

// The notice's A4 print page, fetched with the session's token and opened in a tab of its own to print.
async function printNotice(id) {
  const response = await fetch(`/api/supervision/notices/${id}/print`,
                               { headers: { Authorization: "Bearer " + session()?.token } });
  if (response.status === 401) return toSignIn();
  if (!response.ok) return notice((await response.json()).message);
  const url = URL.createObjectURL(new Blob([await response.text()], { type: "text/html" }));
  window.open(url, "_blank");
}

async function loadReport() {
  clearErrors(filter);
  let rows;
  try {
    rows = await api("GET", `/api/cases/reports/monthly?month=${encodeURIComponent(filter.month.value)}`);
  } catch (error) {
    showErrors(filter, error);
    return;
  }
  const data = { labels: rows.map((row) => row.name),
                 datasets: SERIES.map(([name, label]) => ({ label, data: rows.map((row) => row[name]) })) };
  if (chart) { chart.data = data; chart.update(); return; }
  chart = new Chart(document.getElementById("report-chart"), { type: "bar", data,
    options: { animation: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } });
}

function show(findings, notices) {
  const findingRows = document.querySelector("#findings tbody");
  findingRows.replaceChildren();
  for (const f of findings) {
    const tr = findingRows.insertRow();
    cell(tr, localTime(f.found_at));
    cell(tr, f.squad_name);
    cell(tr, f.officer_name || "—");
    cell(tr, `${f.type_name}：${f.description}`);
    cell(tr, f.severity_name);
    cell(tr, f.place);
  }
  const noticeRows = document.querySelector("#notices tbody");
  noticeRows.replaceChildren();
  for (const n of notices) {
    const tr = noticeRows.insertRow();
    cell(tr, n.number);
    cell(tr, n.kind_name);
    cell(tr, n.officer_name ? `${n.squad_name} ${n.officer_name}` : n.squad_name);
    cell(tr, n.rectify_by);
    cell(tr, n.status_name);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = "打印";
    button.setAttribute("aria-label", `打印 ${n.number}`);
    button.addEventListener("click", () => printNotice(n.id));
    cell(tr, "").append(button);
  }
}

filter.addEventListener("submit", (event) => { event.preventDefault(); loadReport(); });
if (await signedIn()) {
  filter.month.value ||= today().slice(0, 7);
  const [findings, notices] = await Promise.all([
    api("GET", "/api/supervision/findings?page_size=50"),
    api("GET", "/api/supervision/notices?page_size=50"),
    loadReport(),
  ]);
  show(findings, notices);
}
