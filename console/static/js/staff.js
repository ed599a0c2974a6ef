// Administration: the district's people (role, active), the directory sync and the complaints' deadlines.
import { api, cell, clearErrors, localTime, notice, showErrors, signedIn } from "./api.js";

const filter = document.getElementById("officer-filter");
const body = document.querySelector("#officers tbody");
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
  await Promise.all([loadOfficers(), loadDeadlines()]);
}
