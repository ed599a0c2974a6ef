// Question-bank import with its row-by-row report; a squad's credit-hour progress as a chart with who is behind;
// the district's yearly credit-hour requirements (read when opened; set by the district's administrators).
import { allowed, api, cell, clearErrors, isCityRole, notice, showErrors, signedIn, today } from "./api.js";

const importForm = document.getElementById("import-form");
const creditFilter = document.getElementById("credit-filter");
const rowErrors = document.getElementById("row-errors");
let chart = null;

importForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(importForm);
  rowErrors.hidden = true;
  document.getElementById("import-result").textContent = "";
  const file = importForm.file.files[0];
  if (!file) {
    importForm.querySelector('[data-error-for="file"]').textContent = "请选择 Excel 文件";
    return;
  }
  const body = new FormData();
  body.append("file", file);
  let result;
  try {
    result = await api("POST", `/api/training/banks/${importForm.bank_id.value}/import`, { body });
  } catch (error) {
    const rows = error.errors?.rows;
    if (rows) {  // the row-by-row report: the file's rows as the spreadsheet numbers them
      rowErrors.tBodies[0].replaceChildren();
      for (const [row, message] of Object.entries(rows)) {
        const tr = rowErrors.tBodies[0].insertRow();
        cell(tr, `第 ${row} 行`);
        cell(tr, message);
      }
      rowErrors.hidden = false;
      importForm.querySelector('[data-error-for="_form"]').textContent = error.message;
    } else showErrors(importForm, error);
    return;
  }
  const skipped = result.duplicates.length ? `，${result.duplicates.length} 题已在题库中、跳过` : "";
  document.getElementById("import-result").textContent = `已导入 ${result.created} 题${skipped}`;
  notice(`“${file.name}”已导入`);
});

async function loadCredits() {
  clearErrors(creditFilter);
  let progress;
  try {
    progress = await api("GET", `/api/training/credits/squad?squad_id=${creditFilter.squad_id.value}`);
  } catch (error) {
    showErrors(creditFilter, error);
    return;
  }
  const names = progress.map((p) => p.officer.name);
  const categories = progress[0]?.categories.map((c) => c.name) ?? [];
  const datasets = categories.flatMap((name, n) => [
    { label: `${name} 已得`, stack: name, data: progress.map((p) => Number(p.categories[n].earned)) },
    { label: `${name} 按期应得`, stack: name + "应得", data: progress.map((p) => Number(p.categories[n].expected)) },
  ]);
  const data = { labels: names, datasets };
  if (chart) { chart.data = data; chart.update(); } else {
    chart = new Chart(document.getElementById("credit-chart"), { type: "bar", data, options: { animation: false } });
  }
  const body = document.querySelector("#behind tbody");
  body.replaceChildren();
  for (const p of progress.filter((row) => row.behind)) {
    const tr = body.insertRow();
    cell(tr, `${p.officer.name}（${p.officer.badge_no}）`);
    cell(tr, p.categories.filter((c) => c.behind).map((c) => `${c.name} ${c.earned} / ${c.expected}`).join("；"));
  }
}

// The requirements of the year typed: one row of inputs per category (read-only to whom may not set them), the
// API's refusals beside the row's field ("categories.1.hours").
const requirementsForm = document.getElementById("requirements-form");
const setsRequirements = () => allowed(requirementsForm.querySelector("[data-roles]"));

function requirementRow(requirement = { category: "", name: "", hours: "" }) {
  const n = requirementsForm.querySelectorAll("#requirement-rows tbody tr").length;
  const tr = document.querySelector("#requirement-rows tbody").insertRow();
  for (const [key, label] of [["category", "类别代码"], ["name", "类别名称"], ["hours", "学时"]]) {
    const td = tr.insertCell();
    const input = Object.assign(document.createElement("input"), { name: `categories.${n}.${key}`,
                                                                   value: requirement[key], readOnly: !setsRequirements() });
    input.setAttribute("aria-label", `第 ${n + 1} 类${label}`);
    if (key === "hours") { input.inputMode = "decimal"; td.className = "number"; }
    const error = Object.assign(document.createElement("p"), { className: "error" });
    error.dataset.errorFor = input.name;
    td.append(input, error);
  }
}

// The city's staff belong to no district: they read the requirements of the chosen squad's district.
let squads = [];
const chosenSquadsDistrict = () => {
  const squad = squads.find((s) => String(s.id) === creditFilter.squad_id.value);
  return isCityRole() && squad ? `?district_id=${squad.district_id}` : "";
};

async function loadRequirements() {
  clearErrors(requirementsForm);
  let requirements;
  try {
    requirements = await api("GET", `/api/training/credit-requirements/${requirementsForm.elements.year.value}`
                                    + chosenSquadsDistrict());
  } catch (error) {
    showErrors(requirementsForm, error);
    return;
  }
  if (!requirements) return;
  document.querySelector("#requirement-rows tbody").replaceChildren();
  requirements.forEach((requirement) => requirementRow(requirement));
}

document.getElementById("requirements").addEventListener("toggle", (event) => {
  if (event.target.open && !requirementsForm.querySelector("#requirement-rows tbody tr")) loadRequirements();
});
requirementsForm.elements.year.addEventListener("change", loadRequirements);
document.getElementById("requirement-add").addEventListener("click", () => {
  requirementRow();
  requirementsForm.querySelector("#requirement-rows tbody tr:last-child input").focus();
});

requirementsForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(requirementsForm);
  const rows = [...requirementsForm.querySelectorAll("#requirement-rows tbody tr")].map((tr) => {
    const [category, name, hours] = [...tr.querySelectorAll("input")].map((input) => input.value.trim());
    return { category, name, hours };
  });
  const year = requirementsForm.elements.year.value;
  try {
    if (!await api("PUT", `/api/training/credit-requirements/${year}`, { body: { categories: rows } })) return;
  } catch (error) {
    showErrors(requirementsForm, error);
    return;
  }
  await Promise.all([loadRequirements(), loadCredits()]);
  notice(`已保存 ${year} 年度学时要求`);
});

creditFilter.addEventListener("change", () => {
  loadCredits();
  if (document.getElementById("requirements").open && isCityRole()) loadRequirements();
});
creditFilter.addEventListener("submit", (event) => event.preventDefault());

const me = await signedIn();
if (me) {
  // the question banks are the trainers' tool: a role that only follows the progress does not ask for them
  const readOnly = document.body.classList.contains("read-only");
  let banks;
  [banks, squads] = await Promise.all([readOnly ? [] : api("GET", "/api/training/banks"), api("GET", "/api/org/squads")]);
  importForm.bank_id.replaceChildren(...banks.map((bank) => new Option(bank.name, bank.id)));
  creditFilter.squad_id.replaceChildren(...squads.map((squad) => new Option(squad.name, squad.id)));
  if (me.officer.squad_id) creditFilter.squad_id.value = me.officer.squad_id;
  requirementsForm.elements.year.value ||= today().slice(0, 4);
  await loadCredits();
}
