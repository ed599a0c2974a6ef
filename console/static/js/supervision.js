import { api, cell, clearErrors, localTime, notice, openFile, showErrors, signedIn, today } from "./api.js";

const filter = document.getElementById("month-filter");
const SERIES = [["registered", "立案"], ["closed", "结案"], ["registration_overdue", "立案超期"],
                ["handling_overdue", "办案超期"], ["arbitrary_withdrawal", "随意撤案"], ["arbitrary_revocation", "随意撤销处罚"]];
let chart = null;

// The notice's A4 print page, opened in a tab of its own (through a signed download link) to print.
async function printNotice(id) {
  try {
    await openFile(`/api/supervision/notices/${id}/print`);
  } catch (error) {
    notice(error.message);
  }
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

// Recording a finding: the form's lists (the district's people and the finding types) are asked for when the
// form is opened, not to render the page; the time typed is Shanghai time.
const findingForm = document.getElementById("finding-form");
let formReady = null;

function fillFindingForm([officers, types]) {
  const target = findingForm.elements.target;
  const squads = new Map();
  for (const officer of officers.filter((o) => o.squad_id && o.active)) {
    if (!squads.has(officer.squad_id)) {
      const group = document.createElement("optgroup");
      group.label = officer.squad_name;
      group.append(new Option(`${officer.squad_name}（整个中队）`, `squad:${officer.squad_id}`));
      squads.set(officer.squad_id, group);
    }
    squads.get(officer.squad_id).append(new Option(`${officer.name}（${officer.badge_no}）`, `officer:${officer.id}`));
  }
  target.replaceChildren(target.options[0], ...squads.values());
  const typeSelect = findingForm.elements.type_code;
  typeSelect.replaceChildren(typeSelect.options[0], ...types.map((type) => new Option(type.name, type.code)));
}

document.getElementById("finding-panel").addEventListener("toggle", (event) => {
  if (!event.target.open || formReady) return;
  formReady = Promise.all([api("GET", "/api/org/officers?page_size=100"), api("GET", "/api/supervision/finding-types")])
    .then(fillFindingForm)
    .catch((error) => { formReady = null; showErrors(findingForm, error); });
});

findingForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(findingForm);
  const [kind, id] = findingForm.elements.target.value.split(":");
  const found = findingForm.elements.found_at.value;
  let recorded;
  try {
    recorded = await api("POST", "/api/supervision/findings", { body: {
      officer_id: kind === "officer" ? Number(id) : null, squad_id: kind === "squad" ? Number(id) : null,
      type_code: findingForm.elements.type_code.value, severity: findingForm.elements.severity.value || null,
      place: findingForm.elements.place.value, found_at: found ? `${found.length === 16 ? found + ":00" : found}+08:00` : null,
      description: findingForm.elements.description.value,
    } });
  } catch (error) {
    showErrors(findingForm, error);
    return;
  }
  if (!recorded) return;
  findingForm.reset();
  notice(`已记录督察发现：${recorded.officer_name || recorded.squad_name} · ${recorded.type_name}`);
  shown.findings = [recorded, ...shown.findings];
  show(shown.findings, shown.notices);
});

const shown = { findings: [], notices: [] };
filter.addEventListener("submit", (event) => { event.preventDefault(); loadReport(); });
if (await signedIn()) {
  filter.month.value ||= today().slice(0, 7);
  const [findings, notices] = await Promise.all([
    api("GET", "/api/supervision/findings?page_size=50"),
    api("GET", "/api/supervision/notices?page_size=50"),
    loadReport(),
  ]);
  Object.assign(shown, { findings, notices });
  show(findings, notices);
}
