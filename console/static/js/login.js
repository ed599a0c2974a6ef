import { clearErrors, showErrors, startSession } from "./api.js";

const form = document.getElementById("login-form");
const next = new URLSearchParams(location.search).get("next");
// Only back to a console page of this site (never an address someone put in the link).
const target = next && /^\/console\/[a-z]/.test(next) ? next : "/console/board";

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form);
  const response = await fetch("/api/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ badge_no: form.badge_no.value.trim(), password: form.password.value }),
  });
  const body = await response.json();
  if (!response.ok) {
    showErrors(form, { errors: body.errors?.json || {}, message: body.message });
    return;
  }
  startSession(body);
  location.assign(target);
});
form.badge_no.focus();
