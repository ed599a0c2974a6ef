// Training libraries: courses (list, add, edit; a course's materials and who completed it), teachers (list, add,
// edit), this year's mandatory plans, today's live classes with the classroom screen's link, a live class planned.
// Rendering asks four things at once: courses (with their materials), teachers, today's live classes, the plans.
import { api, cell, clearErrors, download, localTime, notice, showErrors, signedIn, today } from "./api.js";

const courseForm = document.getElementById("course-form");
const teacherForm = document.getElementById("teacher-form");
const liveForm = document.getElementById("live-class-form");
let teachers = [];
let courses = [];
let liveClasses = [];

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
}

// One course: its materials (a link opens in a tab, a stored file downloads through a signed link) and who
// completed it with the hours counted (asked for when the course is opened).
async function showCourse(course) {
  const box = document.getElementById("course-detail");
  document.getElementById("course-detail-title").textContent = course.title;
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
  box.hidden = false;
  const body = document.querySelector("#completions tbody");
  body.replaceChildren();
  let rows;
  try {
    rows = await api("GET", `/api/training/courses/${course.id}/completions?page_size=100`);
  } catch (error) {
    notice(error.message);
    return;
  }
  for (const row of rows || []) {
    const tr = body.insertRow();
    cell(tr, row.officer.badge_no);
    cell(tr, row.officer.name);
    cell(tr, row.completed_on);
    cell(tr, row.credit_hours, "number");
  }
  if (!rows?.length) cell(body.insertRow(), "尚无人员完成").colSpan = 4;
  document.getElementById("completions-total").textContent = `共 ${rows?.length || 0} 人完成，每人计 ${course.credit_hours} 学时`;
  box.scrollIntoView({ block: "nearest" });
}

function showPlans(plans) {
  const roles = JSON.parse(document.getElementById("plans").dataset.roles);
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
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "大屏链接";
    button.setAttribute("aria-label", `${item.title}的大屏链接`);
    button.addEventListener("click", () => screenLink(item));
    tr.insertCell().append(button);
  }
  if (!classes.length) cell(body.insertRow(), "今天没有直播课").colSpan = 4;
}

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
  const [courseList, teacherList, classes, plans] = await Promise.all([
    api("GET", "/api/training/courses?page_size=100"), api("GET", "/api/training/teachers?page_size=100"),
    api("GET", `/api/training/live-classes?day=${today()}`), api("GET", `/api/training/plans?year=${today().slice(0, 4)}`)]);
  courses = courseList || [];
  teachers = teacherList || [];
  liveClasses = classes || [];
  showTeachers();
  showCourses();
  showLiveClasses(liveClasses);
  showPlans(plans || []);
}
