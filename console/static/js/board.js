import { api, cell, clearErrors, localTime, notice, showErrors, signedIn, today } from "./api.js";
import { fit, postsMap } from "./map.js";

const filter = document.getElementById("board-filter");
const body = document.querySelector("#board tbody");
const summary = document.getElementById("board-summary");
const trackSummary = document.getElementById("track-summary");
let map = null;
let trackLayer = null;

async function load() {
  const day = filter.day.value || today();
  clearErrors(filter);
  let rows;
  try {
    rows = await api("GET", "/api/duty/board?day=" + encodeURIComponent(day));
  } catch (error) {
    showErrors(filter, error);
    return;
  }
  body.replaceChildren();
  const counts = {};
  for (const row of rows) {
    counts[row.state_name] = (counts[row.state_name] || 0) + 1;
    const tr = body.insertRow();
    tr.dataset.state = row.state;
    tr.dataset.shiftId = row.shift_id;
    cell(tr, `${row.officer_name}（${row.badge_no}）`);
    cell(tr, row.duty_type_name);
    cell(tr, row.post_name || "—");
    cell(tr, `${localTime(row.starts_at)}–${localTime(row.ends_at).slice(-5)}`);
    const late = row.state === "late" ? ` ${row.check_in.minutes_off} 分钟` : "";
    cell(tr, row.state_name + late, "state state-" + row.state);
    const came = row.check_in;
    cell(tr, came ? localTime(came.client_at) + (came.out_of_area ? `（外勤，距围栏 ${came.distance_outside_m} 米：${came.reason || ""}）` : "") : "");
    const action = cell(tr, "", "write");  // approving is the squad's: no column for observers
    if (row.state === "out_of_area_pending") action.append(decisionForm(came.id));
    const track = document.createElement("button");
    track.type = "button";
    track.className = "secondary";
    track.textContent = "轨迹";
    track.setAttribute("aria-label", `在地图上显示 ${row.officer_name} 的巡查轨迹`);
    track.addEventListener("click", () => showTrack(row));
    cell(tr, "").append(track);
  }
  summary.textContent = Object.entries(counts).map(([name, n]) => `${name} ${n} 人次`).join("　") || "当日没有排班";
}

// One shift's patrol track on the map (the pings in order; inside the post's fence green, outside red).
async function showTrack(row) {
  let track;
  try {
    track = await api("GET", `/api/duty/shifts/${row.shift_id}/track`);
  } catch (error) {
    notice(error.message);
    return;
  }
  trackLayer?.remove();
  const who = `${row.officer_name} ${localTime(row.starts_at)}–${localTime(row.ends_at).slice(-5)}`;
  if (!track.points.length) {
    trackLayer = null;
    trackSummary.textContent = `${who}：没有巡查位置记录`;
    return;
  }
  const line = L.polyline(track.points.map((p) => [p.lat, p.lng]), { color: "#1864ab", weight: 4 });
  const dots = track.points.map((p) => L.circleMarker([p.lat, p.lng], {
    radius: 4, color: p.inside === false ? "#b3261e" : "#2b8a3e", className: "track-point" })
    .bindTooltip(localTime(p.recorded_at)));
  trackLayer = L.featureGroup([line, ...dots]).addTo(map);
  fit(map, [trackLayer]);
  const km = (track.track_metres / 1000).toFixed(1);
  const inside = Math.round(track.inside_seconds / 60);
  trackSummary.textContent = `${who}：${track.positions} 个位置，轨迹 ${km} 公里，在责任区内 ${inside} 分钟`
    + (track.presence_ratio === null ? "" : `，在岗率 ${Math.round(track.presence_ratio * 100)}%`);
}

function decisionForm(checkId) {
  const form = document.getElementById("decision-template").content.firstElementChild.cloneNode(true);
  form.id = "decision-" + checkId;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const approve = event.submitter.value === "true";
    try {
      await api("POST", `/api/duty/checks/${checkId}/decision`,
                { body: { approve, ...(form.note.value ? { note: form.note.value } : {}) } });
    } catch (error) {
      showErrors(form, error);
      return;
    }
    notice(approve ? "已同意外勤签到" : "已驳回外勤签到");
    await load();
  });
  return form;
}

filter.addEventListener("submit", (event) => { event.preventDefault(); load(); });
if (await signedIn()) {
  filter.day.value ||= today();
  const [posts] = await Promise.all([api("GET", "/api/duty/posts"), load()]);
  map = postsMap(document.getElementById("map"), posts);
}
