import { clearErrors, showErrors, startSession } from "./api.js";

const form = document.getElementById("login-form");
const params = new URLSearchParams(location.search);
// Only back to a console page of this site (never an address someone put in the link).
const consolePage = (path) => (path && /^\/console\/[a-z]/.test(path) ? path : "/console/board");
// where to go once signed in (read when needed: a return from WeChat rewrites the address)
const target = () => consolePage(new URLSearchParams(location.search).get("next"));
const QR_LOGIN = "console.wechat-login";  // the state of the QR sign-in this tab started, and where to return
const qrError = form.querySelector('[data-error-for="wechat"]');

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
  location.assign(target());
});

// Government-WeChat QR sign-in: to WeChat's QR page, which brings the browser back here with a code and the state.
document.getElementById("wechat-qr")?.addEventListener("click", async () => {
  clearErrors(form);
  const back = `${location.origin}/console/login`;
  const response = await fetch(`/api/auth/wechat/qr-login-url?redirect_uri=${encodeURIComponent(back)}`);
  const body = await response.json();
  if (!response.ok) {
    qrError.textContent = body.message;
    return;
  }
  sessionStorage.setItem(QR_LOGIN, JSON.stringify({ state: body.state, next: target() }));
  location.assign(body.url);
});

// Back from the QR page: the state must be the one this tab was given (a link someone else started is refused),
// then the code is exchanged for a session like a password's.
async function backFromWeChat() {
  const started = JSON.parse(sessionStorage.getItem(QR_LOGIN) || "null");
  sessionStorage.removeItem(QR_LOGIN);
  const next = consolePage(started?.next);
  history.replaceState(null, "", `/console/login?next=${encodeURIComponent(next)}`);  // the code used once only
  if (!started || started.state !== params.get("state")) {
    qrError.textContent = "登录校验失败（state 不符），请重新扫码登录";
    return;
  }
  if (!params.get("code")) {
    qrError.textContent = "未获得政务微信授权，请重新扫码登录";
    return;
  }
  const response = await fetch("/api/auth/wechat", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ code: params.get("code"), state: params.get("state") }),
  });
  const body = await response.json();
  if (!response.ok) {
    qrError.textContent = body.message;
    return;
  }
  startSession(body);
  location.assign(next);
}

if (params.has("code") || params.has("state")) await backFromWeChat();
form.badge_no.focus();
