// Supervision: the two forms and two letters, their print page, issuing one on a finding, reviewing a rectification.
import { api, cell, clearErrors, localTime, notice, openFile, showErrors, signedIn } from "./api.js";

const filter = document.getElementById("notice-filter");
const body = document.querySelector("#notices tbody");
const detail = document.getElementById("notice-detail");
const issueForm = document.getElementById("issue-form");
const reviewForm = document.getElementById("review-form");
let notices = [];
let findings = [];
let open = null;

async function loadNotices() {
  const status = filter.status.value;
  notices = await api("GET", `/api/supervision/notices?page_size=100${status ? "&status=" + status : ""}`);
  if (!notices) return;
  body.replaceChildren();
  for (const item of notices) {
    const tr = body.insertRow();
    tr.tabIndex = 0;
    tr.dataset.status = item.status;
    cell(tr, item.number);
    cell(tr, item.kind_name);
    cell(tr, item.officer_name ? `${item.squad_name} ${item.officer_name}` : item.squad_name);
    cell(tr, item.rectify_by);
    cell(tr, item.status_name, "state");
    const show = () => showNotice(item);
    tr.addEventListener("click", show);
    tr.addEventListener("keydown", (event) => { if (event.key === "Enter") show(); });
  }
  if (open) showNotice(notices.find((item) => item.id === open.id) || open);
}

function showNotice(item) {
  open = item;
  detail.hidden = false;
  document.getElementById("notice-title").textContent = `${item.number} · ${item.kind_name} · ${item.status_name}`;
  document.getElementById("notice-body").textContent =
    `问题：${item.problem}　要求：${item.requirement}　整改期限：${item.rectify_by}`;
  document.getElementById("rectifications").replaceChildren(...item.rectifications.map((answer) => {
    const li = document.createElement("li");
    const review = answer.outcome
      ? `；${answer.outcome === "accepted" ? "验收通过" : "退回"}（${localTime(answer.reviewed_at)}）${answer.review_comment || ""}`
      : "；待验收";
    li.textContent = `${localTime(answer.submitted_at)} ${answer.submitted_by_name}：${answer.content}${review}`;
    return li;
  }));
  reviewForm.hidden = item.status !== "answered";
  clearErrors(reviewForm);
}

function fillFindings() {
  const select = issueForm.finding_id;
  select.replaceChildren(select.options[0]);
  for (const finding of findings) {
    select.add(new Option(`${finding.found_on} ${finding.officer_name || finding.squad_name} · ${finding.type_name}`,
                          finding.id));
  }
}

issueForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(issueForm);
  let issued;
  try {  // to whom the finding names: the API decides (a letter goes to the squad)
    issued = await api("POST", "/api/supervision/notices", { body: {
      kind: issueForm.kind.value, finding_id: issueForm.finding_id.value ? Number(issueForm.finding_id.value) : null,
      problem: issueForm.problem.value, requirement: issueForm.requirement.value,
      rectify_by: issueForm.rectify_by.value || null,
    } });
  } catch (error) {
    showErrors(issueForm, error);
    return;
  }
  if (!issued) return;
  issueForm.reset();
  open = issued;
  notice(`已制发 ${issued.number}`);
  await loadNotices();
});

reviewForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(reviewForm);
  const accept = event.submitter.value === "true";
  let reviewed;
  try {
    reviewed = await api("POST", `/api/supervision/notices/${open.id}/review`, { body: {
      accept, comment: reviewForm.comment.value || null, rectify_by: reviewForm.rectify_by.value || null,
    } });
  } catch (error) {
    showErrors(reviewForm, error);
    return;
  }
  if (!reviewed) return;
  reviewForm.reset();
  open = reviewed;
  notice(accept ? "整改已验收通过" : "整改已退回");
  await loadNotices();
});

// The API's A4 page, opened in a tab of its own through a signed download link.
document.getElementById("print-notice").addEventListener("click", async () => {
  try {
    await openFile(`/api/supervision/notices/${open.id}/print`);
  } catch (error) {
    notice(error.message);
  }
});

filter.addEventListener("submit", (event) => { event.preventDefault(); loadNotices(); });
if (await signedIn()) {
  const params = new URLSearchParams(location.search);
  if (params.get("status")) filter.status.value = params.get("status");
  findings = await api("GET", "/api/supervision/findings?page_size=100") || [];
  fillFindings();
  await loadNotices();
}
