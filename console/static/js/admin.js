import { api, cell, clearErrors, download, notice, showErrors, signedIn } from "./api.js";

const filter = document.getElementById("officer-filter");
let officers = [];
let squadNames = {};

function showOfficers() {
  const body = document.querySelector("#officers tbody");
  body.replaceChildren();
  const squadId = filter.squad_id.value;
  for (const officer of officers.filter((o) => !squadId || String(o.squad_id) === squadId)) {
    const tr = body.insertRow();
    cell(tr, officer.badge_no);
    cell(tr, officer.name);
    cell(tr, officer.role_name);
    cell(tr, squadNames[officer.squad_id] || "区局");
    cell(tr, officer.wechat_userid || "未绑定");
    cell(tr, officer.active ? "在岗" : "停用");
  }
}

function qrForm(office) {
  const form = document.getElementById("qr-template").content.firstElementChild.cloneNode(true);
  form.id = "qr-" + office.id;
  const file = (extension) => async () => {
    try {
      if (await download(`/api/community/offices/${office.id}/qr.${extension}`)) notice("二维码已开始下载");
    } catch (error) {
      showErrors(form, error);
    }
  };
  form.elements.png.addEventListener("click", file("png"));
  form.elements.svg.addEventListener("click", file("svg"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!confirm(`更换“${office.name}”的二维码？已张贴的旧二维码将随即失效。`)) return;
    try {
      const qr = await api("POST", `/api/community/offices/${office.id}/qr`);
      notice(`“${office.name}”的二维码已更换为第 ${qr.version} 版，旧二维码已失效，请下载新码张贴`);
    } catch (error) {
      showErrors(form, error);
    }
  });
  return form;
}

// A squad's row: its name in a field to rename it in place (Enter saves), the API's refusal beside it.
function squadRow(body, squad) {
  const tr = body.insertRow();
  const form = document.getElementById("squad-template").content.firstElementChild.cloneNode(true);
  form.id = "squad-" + squad.id;
  form.elements.name.value = squad.name;
  form.elements.name.setAttribute("aria-label", `中队“${squad.name}”的名称`);
  form.elements[1].setAttribute("aria-label", `保存“${squad.name}”的新名称`);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    try {
      const renamed = await api("PATCH", `/api/org/squads/${squad.id}`, { body: { name: form.elements.name.value } });
      notice(`中队“${squad.name}”已改名为“${renamed.name}”`);
      squad.name = squadNames[squad.id] = renamed.name;
      form.elements.name.value = renamed.name;
      tr.cells[2].textContent = renamed.wechat_name === null ? "未同步"
        : renamed.wechat_name === renamed.name ? "一致" : `通讯录为“${renamed.wechat_name}”（同步不改回）`;
      showSquadOptions();
      showOfficers();
    } catch (error) {
      showErrors(form, error);
    }
  });
  cell(tr, "").append(form);
  cell(tr, squad.active ? "在用" : "停用");
  // the contacts sync keeps a name given here and records the directory's beside it
  cell(tr, squad.wechat_name === null || squad.wechat_name === undefined ? "未同步"
    : squad.wechat_name === squad.name ? "一致" : `通讯录为“${squad.wechat_name}”（同步不改回）`);
}

function showSquadOptions() {
  const chosen = filter.squad_id.value;
  filter.squad_id.replaceChildren(filter.squad_id.options[0],
                                  ...Object.entries(squadNames).map(([id, name]) => new Option(name, id)));
  filter.squad_id.value = chosen;
}

const squadForm = document.getElementById("squad-form");
squadForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(squadForm);
  try {
    const squad = await api("POST", "/api/org/squads", { body: { name: squadForm.elements.name.value } });
    squadNames[squad.id] = squad.name;
    squadRow(document.querySelector("#squads tbody"), squad);
    showSquadOptions();
    squadForm.reset();
    notice(`已新建中队“${squad.name}”`);
  } catch (error) {
    showErrors(squadForm, error);
  }
});

// The city administrator's part: the city's districts, a new one and its first administrator (the rest of its
// people are that administrator's to add). Asked for when opened, not part of the page's render.
const districtsCard = document.getElementById("districts-card");
const districtForm = document.getElementById("district-form");
const districtAdminForm = document.getElementById("district-admin-form");

function showDistricts(districts, chosen) {
  document.querySelector("#districts tbody").replaceChildren(...districts.map((district) => {
    const tr = document.createElement("tr");
    cell(tr, district.code);
    cell(tr, district.name);
    return tr;
  }));
  const select = districtAdminForm.elements.district_id;
  select.replaceChildren(...districts.map((district) => new Option(district.name, district.id)));
  if (chosen) select.value = chosen;
}

async function loadDistricts(chosen) {
  const districts = await api("GET", "/api/org/districts");
  if (districts) showDistricts(districts, chosen);
}

districtsCard.addEventListener("toggle", () => { if (districtsCard.open) loadDistricts(); });

districtForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(districtForm);
  const value = (name) => districtForm.elements[name].value.trim() || null;
  const department = value("wechat_department_id");
  let district;
  try {
    district = await api("POST", "/api/org/districts", { body: {
      code: value("code"), name: value("name"),
      wechat_department_id: department && /^\d+$/.test(department) ? Number(department) : department } });
  } catch (error) {
    showErrors(districtForm, error);
    return;
  }
  if (!district) return;
  districtForm.reset();
  await loadDistricts(String(district.id));
  notice(`已添加区局“${district.name}”，请为其设置首位区局管理员`);
  districtAdminForm.elements.badge_no.focus();
});

districtAdminForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(districtAdminForm);
  const fields = districtAdminForm.elements;
  const district = fields.district_id.selectedOptions[0];
  let admin;
  try {
    admin = await api("POST", `/api/org/districts/${fields.district_id.value}/admins`, { body: {
      badge_no: fields.badge_no.value.trim(), name: fields.name.value.trim(), password: fields.password.value,
      phone: fields.phone.value.trim() || null } });
  } catch (error) {
    showErrors(districtAdminForm, error);
    return;
  }
  if (!admin) return;
  districtAdminForm.reset();
  fields.district_id.value = district.value;
  notice(`已设置${admin.name}（${admin.badge_no}）为“${district.text}”的区局管理员`);
});

filter.addEventListener("change", showOfficers);
filter.addEventListener("submit", (event) => event.preventDefault());

if (await signedIn()) {
  const [offices, squads, people] = await Promise.all([
    api("GET", "/api/org/community-offices?page_size=100"),
    api("GET", "/api/org/squads"),
    api("GET", "/api/org/officers?page_size=100"),
  ]);
  officers = people;
  squadNames = Object.fromEntries(squads.map((squad) => [squad.id, squad.name]));
  showSquadOptions();
  const squadBody = document.querySelector("#squads tbody");
  for (const squad of squads) squadRow(squadBody, squad);
  const body = document.querySelector("#offices tbody");
  for (const office of offices) {
    const tr = body.insertRow();
    cell(tr, office.name);
    cell(tr, office.code);
    cell(tr, squadNames[office.squad_id]);
    cell(tr, office.address);
    cell(tr, "").append(qrForm(office));
  }
  showOfficers();
}
