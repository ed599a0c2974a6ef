import { api, cell, download, notice, showErrors, signedIn } from "./api.js";

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
      notice(`已下载 ${await download(`/api/community/offices/${office.id}/qr.${extension}`)}`);
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
  filter.squad_id.append(...squads.map((squad) => new Option(squad.name, squad.id)));
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
