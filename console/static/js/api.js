// The console's one way to the JSON API: the session's token, the sign-in round trip, refusals by field.
const SESSION = "console.session";
const DRAFTS = "console.drafts";
const REDIRECTED = "console.redirected";  // why the page the person asked for was not theirs

export class ApiError extends Error {
  constructor(status, body) {
    super(body.message || "请求失败");
    this.status = status;
    this.code = body.error;  // the machine code of the refusal
    this.errors = body.errors || {};
  }
}

export function session() {
  const saved = JSON.parse(sessionStorage.getItem(SESSION) || "null");
  return saved && Date.parse(saved.expires_at) > Date.now() ? saved : null;
}

export function startSession(login) {
  sessionStorage.setItem(SESSION, JSON.stringify(login));
}

// Back to sign-in, keeping what was typed in every form of this page, to return to it after signing in.
export function toSignIn() {
  const here = location.pathname + location.search + location.hash;
  const drafts = {};
  for (const form of document.forms) {
    if (form.id) drafts[form.id] = Object.fromEntries(new FormData(form));
  }
  sessionStorage.setItem(DRAFTS, JSON.stringify({ page: location.pathname, drafts }));
  sessionStorage.removeItem(SESSION);
  location.assign("/console/login?next=" + encodeURIComponent(here));
}

export function restoreDrafts() {
  const saved = JSON.parse(sessionStorage.getItem(DRAFTS) || "null");
  if (!saved || saved.page !== location.pathname) return;
  sessionStorage.removeItem(DRAFTS);
  for (const [id, values] of Object.entries(saved.drafts)) {
    const form = document.getElementById(id);
    if (!form) continue;
    for (const [name, value] of Object.entries(values)) {
      const field = form.elements[name];
      if (field?.tagName === "SELECT") restoreChoice(field, value);
      else if (field && !["password", "checkbox", "file"].includes(field.type)) field.value = value;
    }
    for (const box of form.querySelectorAll("input[type=checkbox][name]")) box.checked = box.name in values;
  }
}

// A dropdown's choice comes back when its option is there: most lists arrive from the API after the page has
// set its default, so the choice waits for the option (a few seconds at most) and then tells the page, as a
// person's choice would (a "change" event: the page loads what depends on it).
function restoreChoice(select, value) {
  const choose = (later) => {
    if (![...select.options].some((option) => option.value === value)) return false;
    if (select.value !== value) {
      select.value = value;
      if (later) select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    return true;
  };
  if (choose(false)) return;
  const watch = new MutationObserver(() => { if (choose(true)) watch.disconnect(); });
  watch.observe(select, { childList: true });
  setTimeout(() => watch.disconnect(), 10000);
}

export async function api(method, path, { body, headers = {}, full = false } = {}) {
  const current = session();
  if (!current) return toSignIn();
  const json = body && !(body instanceof FormData);  // a FormData (a file) goes as multipart
  const response = await fetch(path, {
    method,
    headers: { Authorization: "Bearer " + current.token, ...(json ? { "Content-Type": "application/json" } : {}),
               ...headers },
    body: json ? JSON.stringify(body) : body,
  });
  if (response.status === 401) return toSignIn();
  const data = response.status === 204 ? null : await response.json();
  if (!response.ok) throw new ApiError(response.status, data);
  return full ? { data, headers: response.headers } : data;
}

// A file the API answers (an Excel export, a QR code, a print page, a course's material) opened through a link
// the API signs for it: a plain URL, valid a few minutes, read as the person who asked for it, so neither the
// token travels in an address nor the file passes through the script's memory.
export async function fileLink(path) {
  const made = await api("POST", "/api/downloads/links", { body: { path } });
  return made ? made.url : null;
}

// The file saved under the name the API gives it (its Content-Disposition); false if no link came.
export async function download(path) {
  const url = await fileLink(path);
  if (!url) return false;
  const link = document.createElement("a");
  link.href = url;
  link.download = "";
  document.body.append(link);
  link.click();
  link.remove();
  return true;
}

// A page the API answers (a notice's A4 print page) opened in a tab of its own.
export async function openFile(path) {
  const url = await fileLink(path);
  if (url) window.open(url, "_blank");
}

// Field errors as dotted paths ("fence", "shifts.3", "shifts.3.officer_id") with their messages, or with the ids a
// refusal lists (`officer_ids: [7, 9]`: the records it concerns).
function flatten(errors, prefix = "") {
  return Object.entries(errors || {}).flatMap(([name, value]) => {
    const path = prefix ? `${prefix}.${name}` : name;
    if (typeof value === "string") return [[path, value]];
    if (Array.isArray(value) && value.every((item) => typeof item === "string")) return [[path, value.join("；")]];
    if (Array.isArray(value) && value.length && value.every(Number.isInteger)) return [[path, value]];
    return flatten(value, path);
  });
}

// Listed ids in words: the refusal's message and each record as the field beside the slot labels it (a ticked box's
// label, a dropdown's option), "编号 7" for one the form does not show.
function named(error, ids, slot) {
  const field = slot?.previousElementSibling;
  const label = (id) => {
    const choice = field?.querySelector(`input[value="${id}"], option[value="${id}"]`);
    return (choice?.closest("label") || choice)?.textContent.trim() || `编号 ${id}`;
  };
  return `${error.message}：${ids.map(label).join("、")}`;
}

// The API's refusal shown beside the field it names (the nearest slot on its path: "shifts.3.day" shows at
// "shifts.3" if the form has no slot of its own for the day), the rest above the button.
export function showErrors(form, error) {
  clearErrors(form);
  const general = [];
  const fields = flatten(error.errors.json || error.errors.query || error.errors.files || error.errors.form || error.errors);
  for (const [path, value] of fields) {
    const parts = path.split(".");
    let slot = null;
    while (parts.length && !slot) {
      slot = form.querySelector(`[data-error-for="${CSS.escape(parts.join("."))}"]`);
      if (!slot) parts.pop();
    }
    const text = Array.isArray(value) ? named(error, value, slot) : value;
    if (slot) {
      slot.textContent = slot.textContent ? `${slot.textContent}；${text}` : text;
      form.elements[parts.join(".")]?.setAttribute?.("aria-invalid", "true");
    } else general.push(text);
  }
  const slot = form.querySelector('[data-error-for="_form"]');
  const message = general.length ? general.join("；") : (fields.length ? "" : error.message);
  if (slot) slot.textContent = message; else if (message) notice(message);
}

export function clearErrors(form) {
  form.querySelectorAll("[data-error-for]").forEach((slot) => { slot.textContent = ""; });
  form.querySelectorAll("[aria-invalid]").forEach((field) => field.removeAttribute("aria-invalid"));
}

export function notice(text) {
  const box = document.getElementById("notice");
  box.textContent = text;
  box.hidden = !text;
}

const LOCAL = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", month: "2-digit", day: "2-digit",
                                                hour: "2-digit", minute: "2-digit", hour12: false });
export const localTime = (iso) => (iso ? LOCAL.format(new Date(iso)) : "");
const DAY = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" });
export const today = () => DAY.format(new Date());

export function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text ?? "";
  if (className) td.className = className;
  return td;
}

// Every console page but sign-in: who is signed in, sign-out; the menu of the pages their role uses (a page it
// does not use goes to the first it does), no write controls where their role only reads (the server's map of
// pages to roles, backend/api/console.py: the API refuses the same anyway).
const roles = (text) => new Set((text || "").split(" ").filter(Boolean));

// Whether the signed-in person's role is offered this control (its data-roles: backend/api/console.py CONTROL_ROLES).
export const allowed = (control) => roles(control.dataset.roles).has(session()?.officer.role);

export async function signedIn() {
  const current = session();
  if (!current) return toSignIn();
  const role = current.officer.role;
  const links = [...document.querySelectorAll(".top nav a[data-roles]")];
  for (const link of links) link.hidden = !allowed(link);
  menu();
  const first = links.find((link) => !link.hidden);
  if (!roles(document.body.dataset.offered).has(role)) {
    const here = document.querySelector("h1").textContent;
    sessionStorage.setItem(REDIRECTED, `“${here}”不对${current.officer.role_name}开放，已转到“${first?.textContent}”`);
    if (first) location.replace(first.href);
    return null;
  }
  const redirected = sessionStorage.getItem(REDIRECTED);
  sessionStorage.removeItem(REDIRECTED);
  if (redirected) notice(redirected);
  document.body.classList.toggle("read-only", !roles(document.body.dataset.writers).has(role));
  for (const control of document.querySelectorAll("main [data-roles]")) control.hidden = !allowed(control);
  document.getElementById("who").textContent =
    `${current.officer.name}（${current.officer.badge_no}，${current.officer.role_name}）`;
  document.getElementById("logout").addEventListener("click", async () => {
    await api("POST", "/api/auth/logout").catch(() => null);
    sessionStorage.removeItem(SESSION);
    location.assign("/console/login");
  });
  if ("districtPage" in document.body.dataset && isCityRole(current)) await pickDistrict();
  restoreDrafts();
  return current;
}

// The menu's sections: none without a page of the role's; one open at a time, closed by Escape (the focus back on
// it), by a click elsewhere and when the focus leaves it.
function menu() {
  const sections = [...document.querySelectorAll(".top nav details")];
  for (const section of sections) {
    section.hidden = !section.querySelector("a:not([hidden])");
    section.addEventListener("toggle", () => {
      if (section.open) for (const other of sections) if (other !== section) other.open = false;
    });
    section.addEventListener("focusout", (event) => { if (!section.contains(event.relatedTarget)) section.open = false; });
  }
  document.addEventListener("click", (event) => {
    for (const section of sections) if (!section.contains(event.target)) section.open = false;
  });
  document.addEventListener("keydown", (event) => {
    const open = sections.find((section) => section.open);
    if (event.key !== "Escape" || !open) return;
    open.open = false;
    open.querySelector("summary").focus();
  });
}

// A page of one district's settings: the district a city role chose in the layout's picker (they belong to none;
// the API asks them for `district_id`), kept for the session across pages; for everyone else their own (no
// parameter). Choosing another district shows the page again for it.
const DISTRICT = "console.district";

export function isCityRole(current = session()) {
  return roles(document.body.dataset.cityRoles).has(current?.officer.role);
}

async function pickDistrict() {
  const picker = document.getElementById("district-picker");
  const select = picker.elements.district_id;
  const districts = await api("GET", "/api/org/districts");
  if (!districts) return;
  select.replaceChildren(...districts.map((district) => new Option(district.name, district.id)));
  const saved = sessionStorage.getItem(DISTRICT);
  if (saved && districts.some((district) => String(district.id) === saved)) select.value = saved;
  sessionStorage.setItem(DISTRICT, select.value);
  picker.hidden = false;
  picker.addEventListener("submit", (event) => event.preventDefault());
  select.addEventListener("change", () => {
    sessionStorage.setItem(DISTRICT, select.value);
    location.reload();
  });
}

// `?district_id=` (or `&`) for a city role's chosen district, "" for everyone else.
export function districtParam(separator = "?") {
  const chosen = isCityRole() ? sessionStorage.getItem(DISTRICT) : null;
  return chosen ? `${separator}district_id=${encodeURIComponent(chosen)}` : "";
}
