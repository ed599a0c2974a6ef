import { api, cell, clearErrors, localTime, notice, showErrors, signedIn } from "./api.js";

const filter = document.getElementById("queue-filter");
const body = document.querySelector("#queue tbody");
const detail = document.getElementById("detail");
const assignForm = document.getElementById("assign-form");
const OVERDUE = { accept: "受理超期", resolve: "办结超期" };
let shown = null;

async function loadQueue() {
  const query = new URLSearchParams({ page_size: "100" });
  if (filter.status.value) query.set("status", filter.status.value);
  if (filter.overdue.checked) query.set("overdue", "true");
  const complaints = await api("GET", "/api/community/complaints?" + query);
  body.replaceChildren();
  for (const complaint of complaints) {
    const tr = body.insertRow();
    tr.tabIndex = 0;
    tr.dataset.id = complaint.id;
    if (complaint.overdue) tr.classList.add("overdue");
    cell(tr, "#" + complaint.id);
    cell(tr, complaint.category_name);
    cell(tr, complaint.office_name);
    cell(tr, complaint.status_name);
    cell(tr, localTime(complaint.accept_due_at));
    cell(tr, localTime(complaint.resolve_due_at));
    cell(tr, OVERDUE[complaint.overdue] || "", complaint.overdue ? "late-mark" : "");
    const open = () => showComplaint(complaint.id);
    tr.addEventListener("click", open);
    tr.addEventListener("keydown", (event) => { if (event.key === "Enter") open(); });
  }
}

async function showComplaint(id) {
  const [complaint, suggestions] = await Promise.all([
    api("GET", `/api/community/complaints/${id}`),
    api("GET", `/api/community/complaints/${id}/suggestions`),
  ]);
  shown = complaint;
  detail.hidden = false;
  document.getElementById("detail-title").textContent =
    `诉件 #${complaint.id} · ${complaint.category_name} · ${complaint.status_name}`;
  document.getElementById("detail-description").textContent =
    `${complaint.description}${complaint.place ? "（" + complaint.place + "）" : ""}`;
  const select = assignForm.officer_id;
  const kept = select.value;
  select.replaceChildren(new Option("请选择承办队员", ""));
  for (const s of suggestions) {
    const where = s.distance_m == null ? "位置未知" : `约 ${s.distance_m} 米`;
    select.add(new Option(`${s.name}（${s.badge_no}）· ${where} · 在办 ${s.in_hand} 件`, s.officer_id));
  }
  select.value = kept;
  clearErrors(assignForm);
  const timeline = document.getElementById("timeline");
  timeline.replaceChildren(...complaint.timeline.map((event) => {
    const li = document.createElement("li");
    li.textContent = `${localTime(event.at)} ${event.status_name}${event.actor_name ? "（" + event.actor_name + "）" : ""}：${event.note || ""}`;
    return li;
  }));
  detail.querySelector("h2").focus?.();
}

assignForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(assignForm);
  const officerId = Number(assignForm.officer_id.value);
  try {
    await api("POST", `/api/community/complaints/${shown.id}/assign`, { body: { officer_id: officerId || null } });
  } catch (error) {
    showErrors(assignForm, error);
    return;
  }
  notice(`诉件 #${shown.id} 已派单`);
  await Promise.all([loadQueue(), showComplaint(shown.id)]);
});

filter.addEventListener("submit", (event) => { event.preventDefault(); loadQueue(); });
if (await signedIn()) await loadQueue();
