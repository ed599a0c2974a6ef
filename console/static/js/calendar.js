// The district's working-day calendar (holidays and weekend working days) as data the district admin edits.
import { api, cell, clearErrors, districtParam, notice, showErrors, signedIn, today } from "./api.js";

const filter = document.getElementById("year-filter");
const dayForm = document.getElementById("day-form");
const WEEKDAYS = "日一二三四五六";
// the API's refusals that concern the day itself (its message goes beside the date)
const DAY_REFUSALS = new Set(["day_outside_year", "day_repeated", "not_a_weekend"]);
let year = Number(today().slice(0, 4));
let days = [];

function showDays() {
  document.getElementById("calendar-caption").textContent = `${year} 年节假日与调休（${days.length} 天）`;
  const body = document.querySelector("#calendar-days tbody");
  body.replaceChildren();
  for (const item of days) {
    const tr = body.insertRow();
    cell(tr, item.day);
    cell(tr, `周${WEEKDAYS[new Date(item.day + "T00:00:00Z").getUTCDay()]}`);
    cell(tr, item.working ? "调休上班" : "节假日", item.working ? "" : "late-mark");
    cell(tr, item.name);
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "secondary";
    remove.textContent = "删除";
    remove.setAttribute("aria-label", `删除 ${item.day} ${item.name}`);
    remove.addEventListener("click", () => save(days.filter((other) => other !== item), `已删除 ${item.day}`));
    cell(tr, "", "write").append(remove);
  }
}

async function loadYear() {
  clearErrors(filter);
  try {
    const answer = await api("GET", `/api/nonsite/calendar/${filter.elements.year.value}${districtParam()}`);
    if (!answer) return;
    year = Number(filter.elements.year.value);
    days = answer.days;
  } catch (error) {
    showErrors(filter, error);
    return;
  }
  showDays();
}

// The API replaces the whole year: the list as it would be, refused as a whole. A refusal of the new day's
// fields (the last of the list) is shown beside them.
async function save(next, done, added = null) {
  clearErrors(dayForm);
  let answer;
  try {
    answer = await api("PUT", `/api/nonsite/calendar/${year}`, { body: { days: next } });
  } catch (error) {
    const own = added && (error.errors.json?.days?.[next.length - 1] || (DAY_REFUSALS.has(error.code)
      ? { day: error.message } : null));
    showErrors(dayForm, own ? { errors: own, message: error.message } : error);
    if (!added) notice(error.message);
    return false;
  }
  if (!answer) return false;
  days = answer.days;
  showDays();
  notice(done);
  return true;
}

dayForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const added = { day: dayForm.elements.day.value || null, working: dayForm.elements.working.value === "true",
                  name: dayForm.elements.name.value };
  if (await save([...days, added], `已登记 ${added.day} ${added.name}`, added)) dayForm.reset();
});

filter.addEventListener("submit", (event) => { event.preventDefault(); loadYear(); });

if (await signedIn()) {
  filter.elements.year.value = year;
  await loadYear();
}
