// Training libraries: courses (list, add, edit) and teachers (list, add), today's live classes with the classroom screen's link.
import { api, cell, clearErrors, localTime, notice, showErrors, signedIn, today } from "./api.js";

const courseForm = document.getElementById("course-form");
const teacherForm = document.getElementById("teacher-form");
let teachers = [];
let courses = [];

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
    tr.insertCell().append(edit);
  }
  document.getElementById("categories").replaceChildren(
    ...[...new Set(courses.map((c) => c.category))].map((category) => new Option(category, category)));
}

function showTeachers() {
  const body = document.querySelector("#teachers tbody");
  body.replaceChildren();
  for (const teacher of teachers) {
    const tr = body.insertRow();
    for (const text of [teacher.name, teacher.title, teacher.organisation, teacher.specialty]) cell(tr, text);
  }
  const select = courseForm.elements.teacher_id;
  const chosen = select.value;
  select.replaceChildren(select.options[0], ...teachers.map((t) => new Option(t.name, t.id)));
  select.value = chosen;
}

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
  clearErrors(courseForm);
  fields.course_id.value = course.id;
  for (const name of ["title", "category", "credit_hours", "description"]) fields[name].value = course[name] ?? "";
  fields.teacher_id.value = course.teacher_id ?? "";
  document.getElementById("course-form-title").textContent = `修改课程「${course.title}」`;
  document.getElementById("course-submit").textContent = "保存修改";
  document.getElementById("course-cancel").hidden = false;
  fields.title.focus();
}

function newCourse() {
  courseForm.reset();
  courseForm.elements.course_id.value = "";
  clearErrors(courseForm);
  document.getElementById("course-form-title").textContent = "添加课程";
  document.getElementById("course-submit").textContent = "添加课程";
  document.getElementById("course-cancel").hidden = true;
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
  let created;
  try {
    created = await api("POST", "/api/training/teachers", { body: {
      name: teacherForm.elements.name.value, title: blank(teacherForm.elements.title.value),
      organisation: blank(teacherForm.elements.organisation.value), specialty: blank(teacherForm.elements.specialty.value),
    } });
  } catch (error) {
    showErrors(teacherForm, error);
    return;
  }
  if (!created) return;
  teacherForm.reset();
  teachers.push(created);
  showTeachers();
  showCourses();
  notice(`已添加教师${created.name}`);
});

if (await signedIn()) {
  const [courseList, teacherList, classes] = await Promise.all([
    api("GET", "/api/training/courses?page_size=100"), api("GET", "/api/training/teachers?page_size=100"),
    api("GET", `/api/training/live-classes?day=${today()}`)]);
  courses = courseList || [];
  teachers = teacherList || [];
  showTeachers();
  showCourses();
  showLiveClasses(classes || []);
}
