// Training libraries: courses (list, add, edit; a course's materials, a file uploaded to it, who completed it page
// by page, completions recorded), teachers (list, add, edit), this year's mandatory plans and a plan made, today's
// live classes (for the one who runs a class: its join QR code, head count, attendance and the classroom screen's
// link), a live class planned.
// Rendering asks four things at once: courses (with their materials), teachers, today's live classes, the plans;
// the rest is asked for when a course or a class is opened.
import { api, cell, clearErrors, download, fileLink, localTime, notice, showErrors, signedIn, today } from "./api.js";

const courseForm = document.getElementById("course-form");
const teacherForm = document.getElementById("teacher-form");
const liveForm = document.getElementById("live-class-form");
const materialForm = document.getElementById("material-form");
const completionForm = document.getElementById("completion-form");
const planForm = document.getElementById("plan-form");
const COMPLETIONS_PAGE_SIZE = 20;  // rows of the completions table a screen shows
let teachers = [];
let courses = [];
let liveClasses = [];
let openCourse = null;
let completionsPage = 1;
let squads = null;  // asked for when the first course is opened

const blank = (value) => (value.trim() === "" ? null : value.trim());

function showCourses() {
  const names = Object.fromEntries(teachers.map((t) => [t.id, t.name]));
  const body = document.querySelector("#courses tbody");
  body.replaceChildren();
  for (const course of courses) {
    const tr = body.insertRow();
    cell(tr, course.title);
    cell(tr, course.category);
    cell(tr, course.credit_hours, "number");
    cell(tr, names[course.teacher_id] || "");
    const edit = document.createElement("button");
    edit.type = "button";
    edit.className = "secondary write";
    edit.textContent = "修改";
    edit.setAttribute("aria-label", `修改${course.title}`);
    edit.addEventListener("click", () => editCourse(course));
    const open = document.createElement("button");
    open.type = "button";
    open.className = "secondary";
    open.textContent = "资料与完成";
    open.setAttribute("aria-label", `${course.title}的资料与完成情况`);
    open.addEventListener("click", () => showCourse(course));
    tr.insertCell().append(edit, " ", open);
  }
  document.getElementById("categories").replaceChildren(
    ...[...new Set(courses.map((c) => c.category))].map((category) => new Option(category, category)));
  const select = liveForm.elements.course_id;
  const chosen = select.value;
  select.replaceChildren(select.options[0], ...courses.map((c) => new Option(c.title, c.id)));
  select.value = chosen;
  checkboxes(document.getElementById("plan-courses"), courses, "course", (c) => `${c.title}（${c.credit_hours} 学时）`);
}

// A fieldset's checkboxes, one per record (named by its id, so a draft kept across sign-in restores each), those
// ticked before staying ticked.
function checkboxes(fieldset, records, prefix, label) {
  const ticked = new Set([...fieldset.querySelectorAll("input:checked")].map((box) => box.value));
  fieldset.replaceChildren(fieldset.querySelector("legend"), ...records.map((record) => {
    const box = Object.assign(document.createElement("input"), { type: "checkbox", name: `${prefix}-${record.id}`,
                                                                 value: record.id, checked: ticked.has(String(record.id)) });
    const text = document.createElement("label");
    text.append(box, " ", label(record));
    return text;
  }));
}

const tickedIds = (fieldset) => [...fieldset.querySelectorAll("input:checked")].map((box) => Number(box.value));

// One course: its materials (a link opens in a tab, a stored file downloads through a signed link) and who
// completed it with the hours counted, a page at a time (asked for when the course is opened).
async function showCourse(course) {
  const box = document.getElementById("course-detail");
  if (openCourse?.id !== course.id) {
    for (const form of [materialForm, completionForm]) clearErrors(form);
    materialForm.reset();
  }
  openCourse = course;
  document.getElementById("course-detail-title").textContent = course.title;
  showMaterials(course);
  box.hidden = false;
  completionsPage = 1;
  await Promise.all([showCompletions(), document.body.classList.contains("read-only") ? null : loadSquads()]);
  box.scrollIntoView({ block: "nearest" });
}

function showMaterials(course) {
  const list = document.getElementById("materials");
  list.replaceChildren(...course.materials.map((material) => {
    const item = document.createElement("li");
    if (material.url) {
      const link = Object.assign(document.createElement("a"), { href: material.url, target: "_blank", rel: "noopener",
                                                                textContent: material.title });
      item.append(link);
    } else {
      const button = Object.assign(document.createElement("button"), { type: "button", className: "secondary",
                                                                       textContent: `下载${material.title}` });
      button.addEventListener("click", async () => {
        try {
          if (await download(material.file_url)) notice(`资料「${material.title}」已开始下载`);
        } catch (error) {
          notice(error.message);
        }
      });
      item.append(button);
    }
    return item;
  }));
  if (!course.materials.length) list.replaceChildren(Object.assign(document.createElement("li"), { textContent: "（无资料）" }));
}

// One page of the open course's completions; the API's pagination header gives the total and the pages.
async function showCompletions() {
  const course = openCourse;
  let answer;
  try {
    answer = await api("GET", `/api/training/courses/${course.id}/completions?page=${completionsPage}`
                              + `&page_size=${COMPLETIONS_PAGE_SIZE}`, { full: true });
  } catch (error) {
    notice(error.message);
    return;
  }
  if (!answer) return;
  const rows = answer.data;
  const pages = JSON.parse(answer.headers.get("X-Pagination"));  // {total, total_pages, …}
  const body = document.querySelector("#completions tbody");
  body.replaceChildren();
  for (const row of rows) {
    const tr = body.insertRow();
    cell(tr, row.officer.badge_no);
    cell(tr, row.officer.name);
    cell(tr, row.completed_on);
    cell(tr, row.credit_hours, "number");
  }
  if (!rows.length) cell(body.insertRow(), "尚无人员完成").colSpan = 4;
  document.getElementById("completions-total").textContent = `共 ${pages.total} 人完成，每人计 ${course.credit_hours} 学时`;
  const last = Math.max(pages.total_pages, 1);  // no completion yet: 0 pages, shown as the one empty page
  document.getElementById("completions-page").textContent = `第 ${completionsPage} / ${last} 页`;
  document.getElementById("completions-previous").disabled = completionsPage <= 1;
  document.getElementById("completions-next").disabled = completionsPage >= last;
}

for (const [id, step] of [["completions-previous", -1], ["completions-next", 1]]) {
  document.getElementById(id).addEventListener("click", () => {
    completionsPage += step;
    showCompletions();
  });
}

// Who completed an offline course is ticked squad by squad: the squads once, a squad's officers when it is chosen;
// the district's people of no squad (区局机关, 街镇 leaders) are a choice of their own after the squads.
const NO_SQUAD = "none";

async function loadSquads() {
  if (squads) return;
  squads = await api("GET", "/api/org/squads") || [];
  const select = completionForm.elements.squad_id;
  select.replaceChildren(...squads.map((squad) => new Option(squad.name, squad.id)),
                         new Option("区局人员（无中队）", NO_SQUAD));
  completionForm.elements.completed_on.value ||= today();
  await loadSquadOfficers();
}

async function loadSquadOfficers() {
  const squadId = completionForm.elements.squad_id.value;
  const fieldset = document.getElementById("completion-officers");
  if (!squadId) return;
  const whose = squadId === NO_SQUAD ? "no_squad=true" : `squad_id=${squadId}`;
  let officers;
  try {
    officers = await api("GET", `/api/org/officers?${whose}&active=true&page_size=100`);
  } catch (error) {
    showErrors(completionForm, error);
    return;
  }
  checkboxes(fieldset, officers || [], "officer", (officer) => `${officer.name}（${officer.badge_no}）`);
}

completionForm.elements.squad_id.addEventListener("change", loadSquadOfficers);

completionForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(completionForm);
  const course = openCourse;
  let result;
  try {
    result = await api("POST", `/api/training/courses/${course.id}/completions`, { body: {
      officer_ids: tickedIds(document.getElementById("completion-officers")),
      completed_on: completionForm.elements.completed_on.value || null,
    } });
  } catch (error) {
    showErrors(completionForm, error);
    return;
  }
  if (!result) return;
  document.querySelectorAll("#completion-officers input:checked").forEach((box) => { box.checked = false; });
  completionsPage = 1;
  await showCompletions();
  notice(`「${course.title}」登记完成 ${result.recorded} 人`);
});

materialForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(materialForm);
  const course = openCourse;
  const body = new FormData();
  body.append("title", materialForm.elements.title.value);
  const file = materialForm.elements.file.files[0];
  if (file) body.append("file", file);  // none chosen: the API says the file is missing, beside the field
  let material;
  try {
    material = await api("POST", `/api/training/courses/${course.id}/materials`, { body });
  } catch (error) {
    showErrors(materialForm, error);
    return;
  }
  if (!material) return;
  materialForm.reset();
  const updated = { ...course, materials: [...course.materials, material] };
  courses = courses.map((c) => (c.id === course.id ? updated : c));
  openCourse = updated;
  showMaterials(updated);
  notice(`已上传资料「${material.title}」`);
});

let plans = [];

function showPlans() {
  const roles = JSON.parse(document.getElementById("plans").dataset.roleNames);
  document.getElementById("plans-caption").textContent = `${today().slice(0, 4)} 年度必修计划`;
  const body = document.querySelector("#plans tbody");
  body.replaceChildren();
  for (const plan of plans) {
    const tr = body.insertRow();
    cell(tr, plan.title);
    cell(tr, plan.role ? roles[plan.role] : "全体人员");
    cell(tr, plan.courses.map((c) => `${c.title}（${c.credit_hours} 学时）`).join("、"));
  }
  if (!plans.length) cell(body.insertRow(), "今年尚无必修计划").colSpan = 3;
}

planForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(planForm);
  const fields = planForm.elements;
  let plan;
  try {
    plan = await api("POST", "/api/training/plans", { body: {
      year: fields.year.value === "" ? null : Number(fields.year.value), title: fields.title.value,
      role: fields.role.value || null, course_ids: tickedIds(document.getElementById("plan-courses")),
    } });
  } catch (error) {
    showErrors(planForm, error);
    return;
  }
  if (!plan) return;
  planForm.reset();
  fields.year.value = today().slice(0, 4);
  document.querySelectorAll("#plan-courses input:checked").forEach((box) => { box.checked = false; });
  if (String(plan.year) === today().slice(0, 4)) {
    plans = [...plans, plan];
    showPlans();
  }
  notice(`已制定 ${plan.year} 年度必修计划「${plan.title}」`);
});

function showTeachers() {
  const body = document.querySelector("#teachers tbody");
  body.replaceChildren();
  for (const teacher of teachers) {
    const tr = body.insertRow();
    for (const text of [teacher.name, teacher.title, teacher.organisation, teacher.specialty]) cell(tr, text);
    const edit = Object.assign(document.createElement("button"), { type: "button", className: "secondary write",
                                                                 textContent: "修改" });
    edit.setAttribute("aria-label", `修改教师${teacher.name}`);
    edit.addEventListener("click", () => editTeacher(teacher));
    tr.insertCell().append(edit);
  }
  const select = courseForm.elements.teacher_id;
  const chosen = select.value;
  select.replaceChildren(select.options[0], ...teachers.map((t) => new Option(t.name, t.id)));
  select.value = chosen;
}

// Editing a teacher: the same form, filled with them.
function editTeacher(teacher) {
  formMode(teacherForm, "teacher", { id: teacher.id, title: `修改教师「${teacher.name}」`, submit: "保存教师" });
  for (const name of ["name", "title", "organisation", "specialty"]) teacherForm.elements[name].value = teacher[name] ?? "";
  teacherForm.elements.name.focus();
}

function newTeacher() {
  teacherForm.reset();
  formMode(teacherForm, "teacher", { title: "添加教师", submit: "添加教师" });
}

// A form that adds a record or, filled with one, edits it: its heading, its button and its cancel button follow.
function formMode(form, prefix, { id = "", title, submit }) {
  clearErrors(form);
  form.elements[`${prefix}_id`].value = id;
  document.getElementById(`${prefix}-form-title`).textContent = title;
  document.getElementById(`${prefix}-submit`).textContent = submit;
  document.getElementById(`${prefix}-cancel`).hidden = !id;
}

document.getElementById("teacher-cancel").addEventListener("click", newTeacher);

function showLiveClasses(classes) {
  const body = document.querySelector("#live-classes tbody");
  body.replaceChildren();
  for (const item of classes) {
    const tr = body.insertRow();
    cell(tr, item.title);
    cell(tr, item.classroom);
    cell(tr, `${localTime(item.starts_at)}–${localTime(item.ends_at).slice(-5)}`);
    const controls = tr.insertCell();
    if (!item.managed) continue;  // the API says who runs the class: only they get its QR code, list and screen
    const open = Object.assign(document.createElement("button"), { type: "button", className: "secondary",
                                                                   textContent: "二维码与考勤" });
    open.setAttribute("aria-label", `${item.title}的二维码与考勤`);
    open.addEventListener("click", () => showLiveClass(item));
    const button = Object.assign(document.createElement("button"), { type: "button", textContent: "大屏链接" });
    button.setAttribute("aria-label", `${item.title}的大屏链接`);
    button.addEventListener("click", () => screenLink(item));
    controls.append(open, " ", button);
  }
  if (!classes.length) cell(body.insertRow(), "今天没有直播课").colSpan = 4;
}

// A class the person runs: the join QR code to show in the room (through a signed link: the code rotates, so the
// image is asked for each time), how many joined and are in it now, and the attendance so far.
let openClass = null;

async function showLiveClass(item) {
  openClass = item;
  const box = document.getElementById("live-class-detail");
  document.getElementById("live-class-title").textContent = item.title;
  let qr, count, rows;
  try {
    [qr, count, rows] = await Promise.all([
      fileLink(`/api/training/live-classes/${item.id}/qr.png`),
      api("GET", `/api/training/live-classes/${item.id}/head-count`),
      api("GET", `/api/training/live-classes/${item.id}/attendance`)]);
  } catch (error) {
    notice(error.message);
    return;
  }
  if (!qr || !count || !rows) return;
  document.getElementById("join-qr").src = qr;
  document.getElementById("head-count").textContent = `已扫码加入 ${count.joined} 人，当前在线 ${count.present} 人`;
  const body = document.querySelector("#attendance tbody");
  body.replaceChildren();
  for (const row of rows) {
    const tr = body.insertRow();
    cell(tr, row.badge_no);
    cell(tr, row.name);
    cell(tr, localTime(row.joined_at));
    cell(tr, Math.floor(row.presence_seconds / 60), "number");
    cell(tr, row.left_at ? localTime(row.left_at) : "在线");
    cell(tr, row.credited ? "是" : "否");
  }
  if (!rows.length) cell(body.insertRow(), "尚无人员扫码加入").colSpan = 6;
  box.hidden = false;
  box.scrollIntoView({ block: "nearest" });
}

document.getElementById("live-class-refresh").addEventListener("click", () => showLiveClass(openClass));

// The screen's page carries its own key in the address: a plain link the classroom's PC can open.
async function screenLink(item) {
  const box = document.getElementById("screen-link");
  let answer;
  try {
    answer = await api("GET", `/api/training/live-classes/${item.id}/screen`);
  } catch (error) {
    box.textContent = error.message;
    return;
  }
  if (!answer) return;
  const link = document.createElement("a");
  link.href = answer.url;
  link.target = "_blank";
  link.rel = "noopener";
  link.textContent = `打开「${item.title}」的教室大屏`;
  box.replaceChildren(link);
  link.focus();
}

// Editing a course: the same form, filled with it; the API decides what may still change.
function editCourse(course) {
  const fields = courseForm.elements;
  formMode(courseForm, "course", { id: course.id, title: `修改课程「${course.title}」`, submit: "保存修改" });
  for (const name of ["title", "category", "credit_hours", "description"]) fields[name].value = course[name] ?? "";
  fields.teacher_id.value = course.teacher_id ?? "";
  fields.title.focus();
}

function newCourse() {
  courseForm.reset();
  formMode(courseForm, "course", { title: "添加课程", submit: "添加课程" });
}

document.getElementById("course-cancel").addEventListener("click", newCourse);

courseForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(courseForm);
  const editing = Number(courseForm.elements.course_id.value) || null;
  let created;
  try {
    created = await api(editing ? "PATCH" : "POST", editing ? `/api/training/courses/${editing}` : "/api/training/courses", { body: {
      title: courseForm.elements.title.value, category: courseForm.elements.category.value, credit_hours: courseForm.elements.credit_hours.value,
      teacher_id: courseForm.elements.teacher_id.value ? Number(courseForm.elements.teacher_id.value) : null,
      description: blank(courseForm.elements.description.value),
    } });
  } catch (error) {
    showErrors(courseForm, error);
    return;
  }
  if (!created) return;
  newCourse();
  courses = editing ? courses.map((course) => (course.id === editing ? created : course)) : [...courses, created];
  showCourses();
  notice(editing ? `已保存课程「${created.title}」` : `已添加课程「${created.title}」`);
});

teacherForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(teacherForm);
  const editing = Number(teacherForm.elements.teacher_id.value) || null;
  let created;
  try {
    created = await api(editing ? "PATCH" : "POST", editing ? `/api/training/teachers/${editing}` : "/api/training/teachers", { body: {
      name: teacherForm.elements.name.value, title: blank(teacherForm.elements.title.value),
      organisation: blank(teacherForm.elements.organisation.value), specialty: blank(teacherForm.elements.specialty.value),
    } });
  } catch (error) {
    showErrors(teacherForm, error);
    return;
  }
  if (!created) return;
  newTeacher();
  teachers = editing ? teachers.map((teacher) => (teacher.id === editing ? created : teacher)) : [...teachers, created];
  showTeachers();
  showCourses();
  notice(editing ? `已保存教师${created.name}` : `已添加教师${created.name}`);
});

// A local date and time typed in the form, as the API takes it (Shanghai time).
const shanghai = (value) => (value ? `${value}:00+08:00` : null);

liveForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(liveForm);
  const fields = liveForm.elements;
  let created;
  try {
    created = await api("POST", "/api/training/live-classes", { body: {
      title: fields.title.value, classroom: fields.classroom.value, starts_at: shanghai(fields.starts_at.value),
      ends_at: shanghai(fields.ends_at.value), category: fields.category.value, credit_hours: fields.credit_hours.value,
      course_id: fields.course_id.value ? Number(fields.course_id.value) : null,
    } });
  } catch (error) {
    showErrors(liveForm, error);
    return;
  }
  if (!created) return;
  liveForm.reset();
  if (created.held_on === today()) {
    liveClasses = [...liveClasses, created].sort((a, b) => a.starts_at.localeCompare(b.starts_at));
    showLiveClasses(liveClasses);
  }
  notice(`已安排直播课「${created.title}」（${created.held_on}）`);
});

if (await signedIn()) {
  const [courseList, teacherList, classes, planList] = await Promise.all([
    api("GET", "/api/training/courses?page_size=100"), api("GET", "/api/training/teachers?page_size=100"),
    api("GET", `/api/training/live-classes?day=${today()}`), api("GET", `/api/training/plans?year=${today().slice(0, 4)}`)]);
  courses = courseList || [];
  teachers = teacherList || [];
  liveClasses = classes || [];
  plans = planList || [];
  planForm.elements.year.value ||= today().slice(0, 4);
  showTeachers();
  showCourses();
  showLiveClasses(liveClasses);
  showPlans();
}
