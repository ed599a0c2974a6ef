// Administration: the district's people (role, active) and the scoring rules with their versions.
import { api, cell, clearErrors, localTime, notice, showErrors, signedIn } from "./api.js";

const filter = document.getElementById("officer-filter");
const body = document.querySelector("#officers tbody");
const ruleForm = document.getElementById("rule-form");
const roleOptions = document.getElementById("role-options");

async function loadOfficers() {
  const squad = filter.squad_id.value;
  const officers = await api("GET", `/api/org/officers?page_size=100${squad ? "&squad_id=" + squad : ""}`);
  if (!officers) return;
  body.replaceChildren(...officers.map(officerRow));
  if (filter.squad_id.options.length === 1) {  // the squads, from the whole district's list
    const squads = new Map(officers.filter((o) => o.squad_id).map((o) => [o.squad_id, o.squad_name]));
    for (const [id, name] of squads) filter.squad_id.add(new Option(name, id));
  }
}

function officerRow(officer) {
  const tr = document.createElement("tr");
  tr.dataset.badge = officer.badge_no;
  cell(tr, officer.badge_no);
  cell(tr, officer.name);
  cell(tr, officer.squad_name || "区局");
  const form = document.createElement("form");
  form.className = "decision";
  form.id = `officer-${officer.id}`;
  const select = document.createElement("select");
  select.name = "role";
  select.setAttribute("aria-label", `${officer.name}的角色`);
  select.append(roleOptions.content.cloneNode(true));
  select.value = officer.role;
  const save = document.createElement("button");
  save.type = "submit";
  save.textContent = "改角色";
  const error = document.createElement("p");
  error.className = "error";
  error.dataset.errorFor = "_form";
  const roleError = document.createElement("p");
  roleError.className = "error";
  roleError.dataset.errorFor = "role";
  form.append(select, save, roleError, error);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    change(form, officer, { role: select.value }, `已将${officer.name}改为${select.selectedOptions[0].text}`);
  });
  cell(tr, "").append(form);
  cell(tr, officer.active ? "在用" : "已停用", officer.active ? "" : "late-mark");
  const toggle = document.createElement("button");
  toggle.type = "button";
  toggle.textContent = officer.active ? "停用" : "启用";
  toggle.setAttribute("aria-label", `${toggle.textContent}${officer.name}`);
  toggle.addEventListener("click", () => change(form, officer, { active: !officer.active },
                                                `已${toggle.textContent}${officer.name}`));
  cell(tr, "").append(toggle);
  return tr;
}

async function change(form, officer, changes, done) {
  clearErrors(form);
  let changed;
  try {
    changed = await api("PATCH", `/api/org/officers/${officer.id}`, { body: changes });
  } catch (error) {
    showErrors(form, error);
    return;
  }
  if (!changed) return;
  form.closest("tr").replaceWith(officerRow(changed));
  notice(done);
}

async function loadRules() {
  const rules = await api("GET", "/api/points/rules");
  if (!rules) return;
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

// The nightly directory sync: asked for when the administrator opens it (not part of the page's render).
const sync = document.getElementById("sync");
sync.addEventListener("toggle", async () => {
  if (!sync.open) return;
  const status = await api("GET", "/api/org/contacts-sync");
  if (!status) return;
  document.getElementById("sync-state").textContent = !status.configured
    ? "政务微信通讯录同步尚未配置（WECHAT_CORP_ID 与通讯录密钥），夜间同步不做任何事"
    : status.district_synced ? "已配置，每晚 02:30 同步本区局的中队与人员" : "已配置，但本区局未关联政务微信部门，不同步";
  document.getElementById("sync-runs").replaceChildren(...status.runs.map((run) => {
    const li = document.createElement("li");
    li.textContent = `${run.period_key}：${run.outcome === "succeeded" ? "完成" : "失败"}（${localTime(run.finished_at)}，`
      + `第 ${run.attempts} 次）${run.error ? " " + run.error : ""}`;
    li.className = run.outcome === "succeeded" ? "" : "late-mark";
    return li;
  }));
  if (!status.runs.length) document.getElementById("sync-runs").textContent = "尚无同步记录";
});

// A form per complaint category: its two deadlines, saved one category at a time.
async function loadDeadlines() {
  const rows = await api("GET", "/api/community/deadlines");
  if (!rows) return;
  document.querySelector("#deadlines .deadline-rows").replaceChildren(...rows.map(deadlineForm));
}

function deadlineForm(row) {
  const form = document.createElement("form");
  form.id = `deadline-${row.category}`;
  form.className = "bar";
  const title = document.createElement("strong");
  title.textContent = row.category_name;
  form.append(title);
  for (const [name, label] of [["accept_hours", "受理（小时）"], ["resolve_days", "办结（天）"]]) {
    const field = document.createElement("label");
    const input = Object.assign(document.createElement("input"),
                                { name, value: row[name], inputMode: "numeric", size: 4 });
    input.setAttribute("aria-label", `${row.category_name}${label}`);
    field.append(label, input);
    const error = document.createElement("p");
    error.className = "error";
    error.dataset.errorFor = name;
    form.append(field, error);
  }
  const save = Object.assign(document.createElement("button"), { type: "submit", textContent: "保存" });
  save.setAttribute("aria-label", `保存${row.category_name}时限`);
  const error = document.createElement("p");
  error.className = "error";
  error.dataset.errorFor = "_form";
  form.append(save, error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const number = (text) => (/^\d+$/.test(text.trim()) ? Number(text) : text);  // the API names what is wrong
    try {
      await api("PUT", `/api/community/deadlines/${row.category}`, { body: {
        accept_hours: number(form.accept_hours.value), resolve_days: number(form.resolve_days.value) } });
    } catch (failure) {
      showErrors(form, failure);
      return;
    }
    notice(`已保存「${row.category_name}」的办理时限`);
  });
  return form;
}

filter.addEventListener("submit", (event) => { event.preventDefault(); loadOfficers(); });
if (await signedIn()) {
  await Promise.all([loadOfficers(), loadRules(), loadDeadlines()]);
}
