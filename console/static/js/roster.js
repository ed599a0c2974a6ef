import { ApiError, api, clearErrors, localTime, notice, showErrors, signedIn, today } from "./api.js";

const filter = document.getElementById("week-filter");
const grid = document.getElementById("roster");
const form = document.getElementById("roster-form");
const slotForm = document.getElementById("slot-form");
const DUTY = Object.fromEntries([...slotForm.duty_type.options].map((option) => [option.value, option.text]));
const DAYS = ["一", "二", "三", "四", "五", "六", "日"];
let officers = [];
let posts = [];
let slots = new Map(); // key -> { duty_type, post_id, start, end, ends_next_day, shifts: [] }

const plusDays = (iso, n) => {
  const day = new Date(iso + "T00:00:00Z");
  day.setUTCDate(day.getUTCDate() + n);
  return day.toISOString().slice(0, 10);
};
const monday = (iso) => plusDays(iso, -((new Date(iso + "T00:00:00Z").getUTCDay() + 6) % 7));
const week = () => DAYS.map((_, n) => plusDays(filter.week_start.value, n));
const slotKey = (s) => [s.duty_type, s.post_id ?? "", s.start, s.end, s.ends_next_day].join("|");
const postName = (id) => posts.find((post) => post.id === id)?.name || "无点位";

function slotOf(shift) {
  const start = localTime(shift.starts_at).slice(-5), end = localTime(shift.ends_at).slice(-5);
  const endDay = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date(shift.ends_at));
  return { duty_type: shift.duty_type, post_id: shift.post_id, start, end, ends_next_day: endDay > shift.day };
}

// "李娜", "JA1002" or the list's "李娜（JA1002）": the squad's officer meant, or undefined.
function officerFor(text) {
  const typed = text.trim();
  return officers.find((o) => typed === `${o.name}（${o.badge_no}）` || typed === o.badge_no || typed === o.name);
}

function render() {
  const days = week();
  const head = grid.tHead.rows[0];
  head.replaceChildren(head.cells[0]);
  days.forEach((day, n) => {
    const th = document.createElement("th");
    th.textContent = `周${DAYS[n]} ${day.slice(5)}`;
    th.dataset.day = day;
    head.append(th);
  });
  const body = grid.tBodies[0];
  body.replaceChildren();
  [...slots.values()].forEach((slot, row) => {
    const tr = body.insertRow();
    tr.className = "duty-row duty-" + slot.duty_type;
    const th = document.createElement("th");
    th.scope = "row";
    th.innerHTML = '<span class="duty"></span> <span class="when"></span>';
    th.firstElementChild.textContent = DUTY[slot.duty_type];
    th.firstElementChild.classList.add("duty-" + slot.duty_type);
    th.lastElementChild.textContent = `${slot.start}–${slot.end}${slot.ends_next_day ? "（次日）" : ""} · ${postName(slot.post_id)}`;
    tr.append(th);
    days.forEach((day, n) => {
      const td = tr.insertCell();
      td.dataset.day = day;
      const slotError = document.createElement("p");
      slotError.className = "error";
      for (const shift of slot.shifts.filter((s) => s.day === day)) {
        const chip = document.createElement("span");
        chip.className = "chip duty-" + shift.duty_type;
        chip.draggable = !readOnly();  // dropped on another day or row: the shift moves there
        chip.dataset.shift = shift.id;
        chip.addEventListener("dragstart", (event) => {
          event.dataTransfer.setData("text/plain", String(shift.id));
          event.dataTransfer.effectAllowed = "move";
        });
        const edit = document.createElement("button");
        edit.type = "button";
        edit.className = "edit";
        edit.textContent = shift.officer_name;
        edit.setAttribute("aria-label", `调整 ${shift.officer_name} 周${DAYS[n]} ${DUTY[shift.duty_type]}班次`);
        edit.addEventListener("click", () => openEditor(shift, slotError));
        chip.append(edit);
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "remove write";
        remove.textContent = "×";
        remove.setAttribute("aria-label", `删除 ${shift.officer_name} 周${DAYS[n]} ${DUTY[shift.duty_type]}班次`);
        remove.addEventListener("click", () => removeShift(shift, slotError));
        chip.append(remove);
        td.append(chip);
      }
      td.addEventListener("dragover", (event) => {
        if (event.dataTransfer.types.includes("text/plain")) event.preventDefault();
      });
      td.addEventListener("drop", (event) => {
        event.preventDefault();
        const shift = slotShifts().find((s) => String(s.id) === event.dataTransfer.getData("text/plain"));
        if (shift && (shift.day !== day || slotKey(slotOf(shift)) !== slotKey(slot))) {
          moveShift(shift, { day, start: slot.start, end: slot.end, ends_next_day: slot.ends_next_day,
                             duty_type: slot.duty_type, post_id: slot.post_id ?? null }, slotError);
        }
      });
      const input = document.createElement("input");
      input.className = "write";
      input.setAttribute("list", "squad-officers");
      input.setAttribute("aria-label", `${DUTY[slot.duty_type]} ${slot.start} 周${DAYS[n]} 加排队员`);
      input.dataset.row = row;
      input.dataset.day = day;
      td.append(input, slotError);
    });
  });
}

const readOnly = () => document.body.classList.contains("read-only");

const slotShifts = () => [...slots.values()].flatMap((slot) => slot.shifts);

// A shift changed in place (dragged to another cell, or edited): the API's refusal shown where it was dropped.
async function moveShift(shift, changes, slotError) {
  slotError.textContent = "";
  try {
    await api("PATCH", `/api/duty/shifts/${shift.id}`, { body: changes });
  } catch (error) {
    slotError.textContent = error.message;
    return false;
  }
  notice(`已调整 ${shift.officer_name} ${shift.day} 的班次`);
  await load();
  return true;
}

// The shift's editor (by keyboard as well): officer, day and times; Esc closes it unchanged.
const editor = document.getElementById("shift-editor");
const editForm = document.getElementById("shift-form");
let editing = null;

function openEditor(shift, slotError) {
  if (readOnly()) return;  // an observer reads the week; the editor is the planners'
  editing = { shift, slotError };
  clearErrors(editForm);
  const slot = slotOf(shift);
  const officer = officers.find((o) => o.id === shift.officer_id);
  editForm.officer.value = officer ? `${officer.name}（${officer.badge_no}）` : shift.officer_name;
  editForm.day.value = shift.day;
  editForm.start.value = slot.start;
  editForm.end.value = slot.end;
  editForm.ends_next_day.checked = slot.ends_next_day;
  document.getElementById("shift-editor-title").textContent = `调整 ${shift.officer_name} ${shift.day} 的${DUTY[shift.duty_type]}班次`;
  editor.showModal();
  editForm.officer.focus();
}

editForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(editForm);
  const officer = officerFor(editForm.officer.value);
  if (!officer) {
    showErrors(editForm, new ApiError(422, { message: "", errors: { officer_id: "本中队没有这名队员" } }));
    return;
  }
  const { shift } = editing;
  try {
    await api("PATCH", `/api/duty/shifts/${shift.id}`, { body: {
      officer_id: officer.id, day: editForm.day.value, start: editForm.start.value, end: editForm.end.value,
      ends_next_day: editForm.ends_next_day.checked } });
  } catch (error) {
    showErrors(editForm, error);
    return;
  }
  editor.close();
  notice(`已调整 ${shift.officer_name} ${shift.day} 的班次`);
  await load();
});
document.getElementById("shift-cancel").addEventListener("click", () => editor.close());

// A planned shift taken off the roster (the API refuses once someone has checked in to it: shown in its cell).
async function removeShift(shift, slotError) {
  slotError.textContent = "";
  try {
    await api("DELETE", `/api/duty/shifts/${shift.id}`);
  } catch (error) {
    slotError.textContent = error.message;
    return;
  }
  notice(`已删除 ${shift.officer_name} ${shift.day} 的班次`);
  await load();
}

let loading = 0;  // the latest load: an earlier one answering later (another squad, another week) is dropped

async function load() {
  clearErrors(filter);
  const days = week();
  const squadId = filter.squad_id.value;
  const mine = ++loading;
  // another week than this one in the address: a reload, or a return from sign-in, shows the same week
  history.replaceState(null, "", location.pathname + (days[0] === monday(today()) ? "" : `?week=${days[0]}`));
  let answers;
  try {
    answers = await Promise.all([
      api("GET", `/api/org/officers?squad_id=${squadId}&active=true&page_size=100`),
      api("GET", `/api/duty/posts?squad_id=${squadId}&active=true&page_size=100`),
      api("GET", `/api/duty/shifts?squad_id=${squadId}&day_from=${days[0]}&day_to=${days[6]}&page_size=100`),
    ]);
  } catch (error) {
    if (mine === loading) showErrors(filter, error);
    return;
  }
  if (mine !== loading || answers.includes(undefined)) return;  // a later load, or on the way to sign-in
  let shifts;
  [officers, posts, shifts] = answers;
  document.getElementById("squad-officers").replaceChildren(
    ...officers.map((o) => new Option(`${o.name}（${o.badge_no}）`)));
  slotForm.post_id.replaceChildren(slotForm.post_id.options[0], ...posts.map((post) => new Option(post.name, post.id)));
  const kept = [...slots.values()].filter((slot) => !slot.shifts.length);  // rows added and not yet filled
  slots = new Map();
  for (const shift of shifts) {
    const slot = slotOf(shift);
    const key = slotKey(slot);
    if (!slots.has(key)) slots.set(key, { ...slot, shifts: [] });
    slots.get(key).shifts.push(shift);
  }
  for (const slot of kept) if (!slots.has(slotKey(slot))) slots.set(slotKey(slot), slot);
  render();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form);
  const rows = [...slots.values()];
  const lines = [];
  let unknown = false;
  for (const input of form.querySelectorAll("input[data-row]")) {
    input.removeAttribute("name");
    input.removeAttribute("aria-invalid");
    const slotError = input.nextElementSibling;
    slotError.removeAttribute("data-error-for");
    slotError.textContent = "";
    if (!input.value.trim()) continue;
    const officer = officerFor(input.value);
    if (!officer) {
      slotError.textContent = "本中队没有这名队员";
      input.setAttribute("aria-invalid", "true");
      unknown = true;
      continue;
    }
    const slot = rows[Number(input.dataset.row)];
    input.name = slotError.dataset.errorFor = `shifts.${lines.length}`;
    lines.push({ officer_id: officer.id, day: input.dataset.day, start: slot.start, end: slot.end,
                 ends_next_day: slot.ends_next_day, duty_type: slot.duty_type, post_id: slot.post_id ?? null });
  }
  if (unknown) return;
  if (!lines.length) {
    showErrors(form, new ApiError(422, { message: "请先在格子里填写队员" }));
    return;
  }
  try {
    await api("POST", "/api/duty/shifts", { body: { shifts: lines } });
  } catch (error) {
    showErrors(form, error);
    return;
  }
  notice(`已排 ${lines.length} 个班次`);
  await load();
});

slotForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const slot = { duty_type: slotForm.duty_type.value, post_id: slotForm.post_id.value ? Number(slotForm.post_id.value) : null,
                 start: slotForm.start.value, end: slotForm.end.value, ends_next_day: slotForm.ends_next_day.checked };
  if (!slots.has(slotKey(slot))) slots.set(slotKey(slot), { ...slot, shifts: [] });
  render();
  grid.querySelector(`tbody tr:nth-child(${[...slots.keys()].indexOf(slotKey(slot)) + 1}) input`).focus();
});

document.getElementById("copy-week").addEventListener("click", async () => {
  clearErrors(filter);
  try {
    const copied = await api("POST", "/api/duty/shifts/copy-week",
                             { body: { week_start: filter.week_start.value, squad_id: Number(filter.squad_id.value) } });
    notice(`已复制上周的 ${copied.length} 个班次`);
  } catch (error) {
    showErrors(filter, error);
    return;
  }
  await load();
});

for (const button of filter.querySelectorAll("[data-step]")) {
  button.addEventListener("click", () => {
    filter.week_start.value = plusDays(filter.week_start.value, Number(button.dataset.step));
    load();
  });
}
filter.addEventListener("change", () => {
  if (filter.week_start.value) filter.week_start.value = monday(filter.week_start.value);
  load();
});
filter.addEventListener("submit", (event) => event.preventDefault());

const me = await signedIn();
if (me) {
  const squads = await api("GET", "/api/org/squads");
  filter.squad_id.replaceChildren(...squads.map((squad) => new Option(squad.name, squad.id)));
  filter.squad_id.value = me.officer.squad_id ?? squads[0]?.id;
  const asked = new URLSearchParams(location.search).get("week");
  filter.week_start.value = monday(asked && /^\d{4}-\d{2}-\d{2}$/.test(asked) ? asked : today());
  await load();
}
