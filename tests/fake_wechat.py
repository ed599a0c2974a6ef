"""A fake government-WeChat server: the endpoints the backend uses, on 127.0.0.1, driven by tests.

It answers as the published WeCom API does, not as the client would like: `user/list` lists one
department's members (`fetch_child` is ignored, the docs say to walk the departments), a deployment
that refuses directory details to the contacts-sync secret answers 48009 there and offers
`department/simplelist` and `user/list_id`, media over 20 MB answer 830002 unless asked for a Range.

Tests set the directory, which UserId an OAuth code stands for, which media exist, and queue the
error codes WeChat returns (40014, 42001, 45009, 40029 ...); they read the calls per endpoint and
the messages sent. `reset()` puts everything back (the autouse fixture calls it before each test).
"""
from __future__ import annotations

import io
import itertools
import threading
from collections import Counter, defaultdict, deque
from urllib.parse import urlencode

from flask import Flask, Response, jsonify, redirect, request
from PIL import Image
from werkzeug.serving import make_server

ERROR_MESSAGES = {
    40001: "invalid credential",
    40007: "invalid media_id",
    40013: "invalid corpid",
    40014: "invalid access_token",
    40029: "invalid code",
    41001: "access_token missing",
    42001: "access_token expired",
    45009: "api freq out of limit",
    48009: "api forbidden for contact assistant",
    50001: "redirect_url domain unmatched",
    60003: "department not found",
    60020: "not allow to access from your ip",
    60111: "userid not found",
    830002: "media file size exceeds 20M, use Range to download",
    81013: "user & party & tag all invalid",
}
MEDIA_RANGE_THRESHOLD = 20 * 1024 * 1024  # media/get answers 830002 above this without a Range header


def jpeg_bytes(size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A real JPEG image made with Pillow."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="JPEG")
    return buffer.getvalue()


class FakeWeChat:
    """The fake server's state and controls; `start()` serves it on a free port."""

    def __init__(self, corp_id: str, secrets: set[str]):
        self.corp_id = corp_id
        self.secrets = secrets
        self.app = self._make_app()
        self._lock = threading.RLock()
        self._server = None
        self.reset()

    # --- controls -------------------------------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self.calls: Counter[str] = Counter()
            self.sent: list[dict] = []
            self.departments: list[dict] = []
            self.users: list[dict] = []
            self.codes: dict[str, str] = {}
            self.qr_opened: list[dict] = []  # the query of each visit to the QR sign-in page
            self.qr_scans: deque[str] = deque()  # the codes the next visits' scans give (none: the page waits)
            self.media: dict[str, tuple[bytes, str]] = {}
            self.invalid_users: set[str] = set()
            self.directory_ids_only = False  # user/list and department/list answer 48009 (a newer deployment)
            self.id_page_size = 10000  # user/list_id pages hold at most this many pairs, whatever `limit` asks
            self._errors: dict[str, deque[int]] = defaultdict(deque)
            self._tokens: set[str] = set()
            self._token_seq = itertools.count(1)

    def fail(self, endpoint: str, errcode: int, times: int = 1) -> None:
        """Make the next `times` calls of `endpoint` (e.g. "user/getuserinfo") return `errcode`."""
        with self._lock:
            self._errors[endpoint].extend([errcode] * times)

    def recover(self, endpoint: str) -> None:
        """Drop the errors still queued for `endpoint`: it answers normally again."""
        with self._lock:
            self._errors[endpoint].clear()

    def set_directory(self, departments: list[dict], users: list[dict]) -> None:
        """Departments {id, name, parentid} and users {userid, name, department, mobile, status ...}."""
        with self._lock:
            self.departments = [dict(d) for d in departments]
            self.users = [dict(u) for u in users]

    def expire_tokens(self) -> None:
        """Every access token issued so far is now expired (42001)."""
        with self._lock:
            self._tokens.clear()

    def messages_to(self, userid: str) -> list[dict]:
        """The messages sent to `userid`, oldest first."""
        return [m for m in self.sent if userid in m.get("touser", "").split("|")]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> FakeWeChat:
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    # --- the server -----------------------------------------------------------------------------

    def _error(self, errcode: int):
        return jsonify(errcode=errcode, errmsg=ERROR_MESSAGES.get(errcode, "error"))

    def _make_app(self) -> Flask:
        app = Flask(__name__)
        app.json.ensure_ascii = False
        handlers = {
            "user/getuserinfo": self._getuserinfo,
            "get_jsapi_ticket": lambda: self._ticket("corp"),
            "ticket/get": lambda: self._ticket(request.args.get("type")),
            "message/send": self._message_send,
            "media/get": self._media_get,
            "department/list": self._department_list,
            "department/simplelist": self._department_simplelist,
            "department/get": self._department_get,
            "user/list": self._user_list,
            "user/list_id": self._user_list_id,
            "user/get": self._user_get,
        }

        @app.route("/cgi-bin/<path:endpoint>", methods=["GET", "POST"])
        def cgi(endpoint):
            with self._lock:
                self.calls[endpoint] += 1
                if self._errors[endpoint]:
                    return self._error(self._errors[endpoint].popleft())
                if endpoint == "gettoken":
                    return self._gettoken()
                if endpoint not in handlers:
                    return self._error(40001), 404
                token = request.args.get("access_token")
                if not token:
                    return self._error(41001)
                if token not in self._tokens:
                    return self._error(42001 if token.startswith("fake-token-") else 40014)
                return handlers[endpoint]()

        @app.route("/wwopen/sso/qrConnect")
        def qr_connect():
            """The QR sign-in page of web apps: a scan (queued by the test) sends the browser back to
            redirect_uri with a code and the state; with none queued the page just shows its QR code."""
            with self._lock:
                self.qr_opened.append(request.args.to_dict())
                if request.args.get("appid") != self.corp_id:
                    return Response("appid 参数错误", status=400, mimetype="text/plain")
                if not self.qr_scans:
                    return Response("<!doctype html><title>政务微信扫码登录</title><p>请使用政务微信扫描二维码登录",
                                    mimetype="text/html")
                code = self.qr_scans.popleft()
            return redirect(f"{request.args['redirect_uri']}?" + urlencode({"code": code,
                                                                            "state": request.args.get("state", "")}))

        @app.route("/connect/oauth2/authorize")
        def authorize():
            return Response("fake authorize page", mimetype="text/plain")

        return app

    def _gettoken(self):
        if request.args.get("corpid") != self.corp_id:
            return self._error(40013)
        if request.args.get("corpsecret") not in self.secrets:
            return self._error(40001)
        token = f"fake-token-{next(self._token_seq)}"
        self._tokens.add(token)
        return jsonify(errcode=0, errmsg="ok", access_token=token, expires_in=7200)

    def _getuserinfo(self):
        userid = self.codes.get(request.args.get("code", ""))
        if userid is None:
            return self._error(40029)
        return jsonify(errcode=0, errmsg="ok", UserId=userid, DeviceId="fake-device")

    def _ticket(self, kind: str | None):
        if kind not in ("corp", "agent_config"):
            return self._error(40001)
        return jsonify(errcode=0, errmsg="ok", ticket=f"fake-{kind}-ticket", expires_in=7200)

    def _message_send(self):
        """As WeCom does: UserIds match whatever their case, refused ones come back lower-cased, and a
        message none of whose recipients is valid is refused whole with 81013."""
        message = request.get_json(force=True)
        touser = [u for u in message.get("touser", "").split("|") if u]
        invalid_users = {u.lower() for u in self.invalid_users}
        invalid = [u.lower() for u in touser if u.lower() in invalid_users]
        if touser and len(invalid) == len(touser):
            return jsonify(errcode=81013, errmsg=ERROR_MESSAGES[81013], invaliduser="|".join(invalid))
        self.sent.append(message)
        return jsonify(errcode=0, errmsg="ok", invaliduser="|".join(invalid))

    def _media_get(self):
        found = self.media.get(request.args.get("media_id", ""))
        if found is None:
            return self._error(40007)
        data, content_type = found
        headers = {"Content-Disposition": f'attachment; filename="{request.args["media_id"]}.jpg"',
                   "Accept-Ranges": "bytes"}
        if request.range is None:
            if len(data) > MEDIA_RANGE_THRESHOLD:
                return self._error(830002)
            return Response(data, content_type=content_type, headers=headers)
        bounds = request.range.range_for_length(len(data))
        if bounds is None or bounds[1] - bounds[0] > MEDIA_RANGE_THRESHOLD:
            return self._error(830002)
        start, stop = bounds
        return Response(data[start:stop], status=206, content_type=content_type, headers={
            **headers, "Content-Range": f"bytes {start}-{stop - 1}/{len(data)}"})

    def _subtree(self, department_id: int | None) -> list[dict]:
        if department_id is None:
            return list(self.departments)
        ids, frontier = set(), {department_id}
        while frontier:
            ids |= frontier
            frontier = {d["id"] for d in self.departments if d.get("parentid") in frontier} - ids
        return [d for d in self.departments if d["id"] in ids]

    def _department_list(self):
        if self.directory_ids_only:
            return self._error(48009)
        department_id = request.args.get("id", type=int)
        return jsonify(errcode=0, errmsg="ok", department=self._subtree(department_id))

    def _department_simplelist(self):
        department_id = request.args.get("id", type=int)
        return jsonify(errcode=0, errmsg="ok", department_id=[
            {"id": d["id"], "parentid": d.get("parentid", 0), "order": d.get("order", 0)}
            for d in self._subtree(department_id)])

    def _department_get(self):
        department_id = request.args.get("id", type=int)
        found = next((d for d in self.departments if d["id"] == department_id), None)
        if found is None:
            return self._error(60003)
        return jsonify(errcode=0, errmsg="ok", department=found)

    def _user_list(self):
        """The members of one department: WeCom ignores `fetch_child` (walk the departments instead)."""
        if self.directory_ids_only:
            return self._error(48009)
        department_id = request.args.get("department_id", type=int)
        users = [u for u in self.users if department_id in u.get("department", [])]
        return jsonify(errcode=0, errmsg="ok", userlist=users)

    def _user_list_id(self):
        """Every (userid, department) pair of the corp, a page of `limit` at a time after `cursor`."""
        body = request.get_json(force=True, silent=True) or {}
        pairs = [{"userid": u["userid"], "department": d} for u in self.users for d in u.get("department", [])]
        start = int(body.get("cursor") or 0)
        stop = start + min(int(body.get("limit") or 10000), self.id_page_size)
        return jsonify(errcode=0, errmsg="ok", dept_user=pairs[start:stop],
                       next_cursor=str(stop) if stop < len(pairs) else "")

    def _user_get(self):
        found = next((u for u in self.users if u["userid"] == request.args.get("userid")), None)
        if found is None:
            return self._error(60111)
        return jsonify(errcode=0, errmsg="ok", **found)
