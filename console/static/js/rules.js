// The numbers points are computed with: the parameters in force this month (the district's own, or the deployment's
// example defaults the district sets) and the scoring rules with every version; the district administrator sets a
// parameter from a month on and adds a rule version from the 1st of a month.
import { api, cell, clearErrors, districtParam, notice, showErrors, signedIn } from "./api.js";

const ruleForm = document.getElementById("rule-form");
const parameterForm = document.getElementById("parameter-form");

function showParameters(parameters) {
  document.querySelector("#parameters tbody").replaceChildren(...parameters.map((parameter) => {
    const tr = document.createElement("tr");
    cell(tr, parameter.name);
    cell(tr, parameter.meaning);
    cell(tr, parameter.value, "number");
    cell(tr, parameter.source === "district" ? "本区设定" : "示例默认值").title = parameter.note;
    cell(tr, parameter.effective_from ?? "—");
    return tr;
  }));
  if (!parameterForm.name.options.length) {
    for (const parameter of parameters) parameterForm.name.add(new Option(parameter.meaning, parameter.name));
  }
}

const loadParameters = async () => {
  const parameters = await api("GET", "/api/points/parameters" + districtParam());
  if (parameters) showParameters(parameters);
};

parameterForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(parameterForm);
  let saved;
  try {
    saved = await api("POST", "/api/points/parameters", { body: {
      name: parameterForm.name.value, value: parameterForm.value.value.trim(),
      effective_from: parameterForm.effective_from.value || null,
    } });
  } catch (error) {
    showErrors(parameterForm, error);
    return;
  }
  if (!saved) return;
  notice(`已设定 ${saved.name} 为 ${saved.value}，自 ${saved.effective_from} 起适用；未锁定的月计分已重算`);
  await loadParameters();
});

function showRules(rules) {
  const tbody = document.querySelector("#rules tbody");
  tbody.replaceChildren();
  const items = new Map();
  for (const rule of rules) {
    const tr = tbody.insertRow();
    tr.dataset.item = rule.item;
    cell(tr, rule.item_name);
    cell(tr, rule.category);
    cell(tr, rule.points_per_unit, "number");
    cell(tr, rule.monthly_cap ?? "—", "number");
    cell(tr, rule.effective_from);
    cell(tr, rule.district_id === null ? "示例默认值" : "本区版本").title = rule.source_note;
    items.set(rule.item, rule.item_name);
  }
  if (!ruleForm.item.options.length) {
    for (const [item, name] of items) ruleForm.item.add(new Option(name, item));
  }
}

const loadRules = async () => {
  const rules = await api("GET", "/api/points/rules" + districtParam());
  if (rules) showRules(rules);
};

ruleForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(ruleForm);
  const value = (name) => ruleForm[name].value.trim() || null;
  let saved;
  try {
    saved = await api("POST", "/api/points/rules", { body: {
      item: ruleForm.item.value, category: value("category"), points_per_unit: value("points_per_unit"),
      monthly_cap: value("monthly_cap"), effective_from: value("effective_from"),
    } });
  } catch (error) {
    showErrors(ruleForm, error);
    return;
  }
  if (!saved) return;
  ruleForm.reset();
  notice(`已新增「${saved.item_name}」自 ${saved.effective_from} 起的规则版本；未锁定的月计分已重算`);
  await loadRules();
});

if (await signedIn()) await Promise.all([loadParameters(), loadRules()]);
