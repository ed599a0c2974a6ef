import { api, cell, clearErrors, localTime, notice, showErrors, signedIn, today } from "./api.js";
import { postsMap } from "./map.js";

const filter = document.getElementById("board-filter");
const body = document.querySelector("#board tbody");
const summary = document.getElementById("board-summary");

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
    const action = cell(tr, "");
    if (row.state === "out_of_area_pending") action.append(decisionForm(came.id));
  }
  summary.textContent = Object.entries(counts).map(([name, n]) => `${name} ${n} 人次`).join("　") || "当日没有排班";
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
  postsMap(document.getElementById("map"), posts);
}
