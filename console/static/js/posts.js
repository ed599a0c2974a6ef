import { api, cell, clearErrors, notice, showErrors, signedIn } from "./api.js";
import { FenceEditor } from "./fence.js";
import { baseMap, fenceShape, fit } from "./map.js";

const filter = document.getElementById("squad-filter");
const form = document.getElementById("post-form");
const body = document.querySelector("#posts tbody");
const map = baseMap(document.getElementById("map"));
const existing = L.layerGroup().addTo(map);
const editor = new FenceEditor(map, form);
let posts = [];
let editing = null; // the post being changed, or null for a new one

const describe = (fence) => (fence.shape === "circle" ? `圆形，半径 ${fence.radius_m} 米` : `多边形，${fence.points.length} 个顶点`);

function show() {
  const squadId = Number(filter.squad_id.value);
  const shown = posts.filter((post) => post.squad_id === squadId && (post.active || filter.inactive.checked));
  body.replaceChildren();
  existing.clearLayers();
  const shapes = shown.map((post) => {
    const tr = body.insertRow();
    tr.tabIndex = 0;
    tr.dataset.id = post.id;
    cell(tr, post.name);
    cell(tr, describe(post.fence));
    cell(tr, post.selfie_required ? "是" : "否");
    cell(tr, post.active ? "启用" : "停用");
    const open = () => edit(post);
    tr.addEventListener("click", open);
    tr.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); open(); } });
    return fenceShape(post.fence, { color: post.active ? "#17416b" : "#8a96a3" }).bindTooltip(post.name)
      .on("click", open).addTo(existing);
  });
  fit(map, shapes);
}

function edit(post) {
  editing = post;
  clearErrors(form);
  document.getElementById("post-form-title").textContent = post ? `修改点位：${post.name}` : "新建点位";
  form.querySelector("[data-edit-only]").hidden = !post;
  form.elements.name.value = post ? post.name : "";
  form.selfie_required.checked = post ? post.selfie_required : false;
  form.active.checked = post ? post.active : true;
  editor.load(post ? post.fence : null);
  if (post) editor.show();
  form.elements.name.focus();
}

async function loadPosts() {
  posts = await api("GET", "/api/duty/posts?page_size=100");
  show();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form);
  const body = { name: form.elements.name.value.trim(), fence: editor.fence(), selfie_required: form.selfie_required.checked };
  let saved;
  try {
    saved = editing
      ? await api("PATCH", `/api/duty/posts/${editing.id}`, { body: { ...body, active: form.active.checked } })
      : await api("POST", "/api/duty/posts", { body: { ...body, squad_id: Number(filter.squad_id.value) } });
  } catch (error) {
    showErrors(form, error);
    return;
  }
  notice(`点位“${saved.name}”已保存`);
  await loadPosts();
  edit(posts.find((post) => post.id === saved.id));
});

document.getElementById("new-post").addEventListener("click", () => edit(null));
document.getElementById("clear-fence").addEventListener("click", () => editor.load({ shape: editor.shape }));
filter.addEventListener("change", () => { show(); if (editing && editing.squad_id !== Number(filter.squad_id.value)) edit(null); });

const me = await signedIn();
if (me) {
  const [squads] = await Promise.all([api("GET", "/api/org/squads"), loadPosts()]);
  filter.squad_id.replaceChildren(...squads.map((squad) => new Option(squad.name, squad.id)));
  filter.squad_id.value = me.officer.squad_id ?? squads[0]?.id;
  show();
  editor.draw();
}
