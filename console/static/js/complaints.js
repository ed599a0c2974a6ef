import { api, cell, clearErrors, localTime, notice, showErrors, signedIn } from "./api.js";
import { baseMap } from "./map.js";

const filter = document.getElementById("queue-filter");
const body = document.querySelector("#queue tbody");
const detail = document.getElementById("detail");
const assignForm = document.getElementById("assign-form");
const OVERDUE = { accept: "受理超期", resolve: "办结超期", true: "办结超期" };
const map = baseMap(document.getElementById("map"));
const pins = L.layerGroup().addTo(map);
let shown = null; // { kind, id }

// The two kinds of item in one queue: how to ask for them, act on them and word them.
const KINDS = {
  complaint: {
    list: (query) => api("GET", "/api/community/complaints?" + new URLSearchParams({ page_size: "100", ...query })),
    detail: (id) => api("GET", `/api/community/complaints/${id}`),
    suggestions: (id) => api("GET", `/api/community/complaints/${id}/suggestions`),
    assign: (id, officerId) => api("POST", `/api/community/complaints/${id}/assign`, { body: { officer_id: officerId } }),
    title: (c) => `诉件 #${c.id}`,
    source: (c) => `诉件 · ${c.office_name}`,
    received: (c) => c.submitted_at,
    timeline: (c) => c.timeline,
  },
  order: {
    list: (query) => api("GET", "/api/orders?" + new URLSearchParams(query)),
    detail: (id) => api("GET", `/api/orders/${id}`),
    suggestions: (id) => api("GET", `/api/orders/${id}/suggestions`),
    assign: (id, officerId) => api("POST", `/api/orders/${id}/actions`,
                                    { body: { action: "assign", ...(officerId ? { officer_id: officerId } : {}) } }),
    title: (o) => `工单 ${o.source_order_id}`,
    source: (o) => `工单 · ${o.source.title}${o.deadlines_from_source ? "（期限由来源给定）" : ""}`,
    received: (o) => o.received_at,
    timeline: (o) => o.events,
  },
};

async function loadQueue() {
  const query = {};
  const option = filter.status.selectedOptions[0];
  if (filter.status.value) query.status = filter.status.value;
  if (filter.overdue.checked) query.overdue = "true";
  const kinds = Object.keys(KINDS).filter((kind) => (!filter.kind.value || filter.kind.value === kind)
    && (!filter.status.value || option.dataset.kinds.split(" ").includes(kind)));
  const lists = await Promise.all(kinds.map((kind) => KINDS[kind].list(query)));
  const items = lists.flatMap((list, n) => list.map((item) => ({ kind: kinds[n], item })));
  items.sort((a, b) => Date.parse(a.item.resolve_due_at) - Date.parse(b.item.resolve_due_at));
  body.replaceChildren();
  pins.clearLayers();
  for (const { kind, item } of items) {
    const words = KINDS[kind];
    const tr = body.insertRow();
    tr.tabIndex = 0;
    tr.dataset.kind = kind;
    tr.dataset.id = item.id;
    if (item.overdue) tr.classList.add("overdue");
    cell(tr, kind === "order" ? item.source_order_id : "#" + item.id);
    cell(tr, words.source(item));
    cell(tr, item.category_name);
    cell(tr, item.status_name);
    cell(tr, localTime(item.accept_due_at));
    cell(tr, localTime(item.resolve_due_at));
    cell(tr, OVERDUE[item.overdue] || "", item.overdue ? "late-mark" : "");
    const open = () => showItem(kind, item.id);
    tr.addEventListener("click", open);
    tr.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); open(); } });
    if (item.open && item.lat != null) {
      L.circleMarker([item.lat, item.lng], { radius: 8, color: item.overdue ? "#b3261e" : kind === "order" ? "#862e9c" : "#1864ab" })
        .bindTooltip(`${words.title(item)} ${item.category_name} · ${item.status_name}`).on("click", open).addTo(pins);
    }
  }
  const open = items.filter(({ item }) => item.open).length;
  const late = items.filter(({ item }) => item.overdue).length;
  document.getElementById("queue-summary").textContent = `共 ${items.length} 件，未办结 ${open} 件，超期 ${late} 件`;
  if (pins.getLayers().length) map.fitBounds(L.featureGroup(pins.getLayers()).getBounds().pad(0.3), { maxZoom: 16 });
}

async function showItem(kind, id) {
  const words = KINDS[kind];
  const [item, suggestions] = await Promise.all([words.detail(id), words.suggestions(id)]);
  const same = shown && shown.kind === kind && shown.id === id;
  shown = { kind, id };
  detail.hidden = false;
  const title = document.getElementById("detail-title");
  title.textContent = `${words.title(item)} · ${item.category_name} · ${item.status_name}`;
  document.getElementById("detail-source").textContent =
    `${words.source(item)} · 收到 ${localTime(words.received(item))} · 办结期限 ${localTime(item.resolve_due_at)}`
    + (item.overdue ? `（${OVERDUE[item.overdue]}）` : "");
  document.getElementById("detail-description").textContent =
    `${item.description}${item.place ? "（" + item.place + "）" : ""}`;
  const select = assignForm.officer_id;
  const kept = same ? select.value : ""; // a choice is kept for the same item only
  select.replaceChildren(new Option("请选择承办队员", ""));
  for (const s of suggestions) {
    const where = s.distance_m == null ? "位置未知" : `约 ${s.distance_m} 米`;
    select.add(new Option(`${s.name}（${s.badge_no}）· ${where} · 在办 ${s.in_hand} 件`, s.officer_id));
  }
  select.value = kept;
  clearErrors(assignForm);
  document.getElementById("timeline").replaceChildren(...words.timeline(item).map((event) => {
    const li = document.createElement("li");
    const what = [event.note, event.department && `移送 ${event.department}`].filter(Boolean).join("，");
    li.textContent = `${localTime(event.at)} ${event.status_name}${event.actor_name ? "（" + event.actor_name + "）" : ""}${what ? "：" + what : ""}`;
    return li;
  }));
  title.focus();
}

assignForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(assignForm);
  const officerId = Number(assignForm.officer_id.value) || null;
  try {
    await KINDS[shown.kind].assign(shown.id, officerId);
  } catch (error) {
    showErrors(assignForm, error);
    return;
  }
  notice(`${shown.kind === "order" ? "工单" : "诉件 #" + shown.id} 已派单`);
  await Promise.all([loadQueue(), showItem(shown.kind, shown.id)]);
});

filter.addEventListener("submit", (event) => { event.preventDefault(); loadQueue(); });
if (await signedIn()) await loadQueue();
