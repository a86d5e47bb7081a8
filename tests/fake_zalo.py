"""A fake Zalo Open API + OAuth v4 server on loopback, scriptable in-process or over its /_fake admin API.

Standalone: `python -m tests.fake_zalo --port 0` prints the port on the first line and serves until SIGTERM.
"""
from __future__ import annotations

import argparse
import json
import random
import signal
import threading
from http.server import ThreadingHTTPServer
from typing import Any, Callable, Iterator
from urllib.parse import parse_qs

import pytest

from tests.fake_zalo_parts import PATHS, BadRequest, Handler, check_message, failure, success


class FakeZalo:
    """The fake server; `.messages` holds accepted messages, `script(...)` makes it misbehave."""

    def __init__(self, app_id: str = "app-test", app_secret: str = "app-secret-test",
                 access_token: str = "access-0", refresh_token: str = "refresh-0",
                 followers: list[str] | None = None, expires_in: str = "90000", port: int = 0) -> None:
        self.app_id, self.app_secret, self.expires_in = app_id, app_secret, expires_in
        self._initial = (access_token, refresh_token)
        self._port = port
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._random = random.Random(1234)
        self._server: ThreadingHTTPServer | None = None
        self._issued = 0
        self.followers = list(followers or [])
        self.reset(tokens=True)

    # lifecycle ---------------------------------------------------------------------------------------------
    def start(self) -> "FakeZalo":
        """Serve on 127.0.0.1 in a daemon thread."""
        fake = self

        class Bound(Handler):
            owner = fake

        server = ThreadingHTTPServer(("127.0.0.1", self._port), Bound)
        server.daemon_threads = True
        server.block_on_close = False  # type: ignore[attr-defined]
        self._server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving (slow responses are released)."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> "FakeZalo":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port."""
        assert self._server is not None, "not started"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:<port>, for both ZALO_API_BASE and ZALO_OAUTH_BASE."""
        return f"http://127.0.0.1:{self.port}"

    # state and scripting -----------------------------------------------------------------------------------
    def reset(self, tokens: bool = False) -> None:
        """Forget messages, calls and scripts; with tokens=True also go back to the initial token pair."""
        with self._cond:
            self._messages: list[dict[str, Any]] = []
            self.calls: list[dict[str, Any]] = []
            self.oauth_calls: list[dict[str, Any]] = []
            self.rules: list[dict[str, Any]] = []
            self.user_errors: dict[str, int] = {}
            self.oauth_failures = 0
            self.refreshes = 0
            self.reused = 0
            if tokens:
                self.access_token, self.refresh_token = self._initial
                self.spent: set[str] = set()
                self.token_state = "valid"
            self._cond.notify_all()

    def script(self, **kw: Any) -> dict[str, Any]:
        """Misbehave as told (keys below; also the body of POST /_fake/script); returns state()."""
        # revoke_token / expire_token: bool; errors: [{code, count | fraction, users, paths}];
        # http: [{status, count, paths}]; slow: [{seconds, count, paths, process}];
        # user_errors: {user_id: code}; followers: [user_id, ...]; oauth_failures: N
        # (count None = every matching call; paths among cs, promotion, getlist, detail, oauth)
        with self._cond:
            if kw.get("revoke_token"):
                self.token_state = "revoked"
            if kw.get("expire_token"):
                self.token_state = "expired"
            for kind in ("errors", "http", "slow"):
                for rule in kw.get(kind) or []:
                    self.rules.append(dict(rule, kind=kind))
            self.user_errors.update({str(u): int(c) for u, c in (kw.get("user_errors") or {}).items()})
            if "followers" in kw:
                self.followers = [str(f) for f in kw["followers"]]
            self.oauth_failures += int(kw.get("oauth_failures") or 0)
        return self.state()

    def revoke_token(self) -> None:
        """The current access token now gets -216."""
        self.script(revoke_token=True)

    def expire_token(self) -> None:
        """The current access token now gets -220."""
        self.script(expire_token=True)

    def fail_calls(self, code: int, count: int | None = None, fraction: float | None = None,
                   users: list[str] | None = None, paths: list[str] | None = None) -> None:
        """Answer matching calls with a Zalo error: the next `count`, a `fraction` of them, or all."""
        self.script(errors=[{"code": code, "count": count, "fraction": fraction, "users": users, "paths": paths}])

    def http_error(self, count: int, status: int = 500, paths: list[str] | None = None) -> None:
        """Answer the next `count` calls with an HTTP error."""
        self.script(http=[{"status": status, "count": count, "paths": paths}])

    def slow(self, count: int, seconds: float, process: bool = False, paths: list[str] | None = None) -> None:
        """Delay the next `count` calls; unless process=True they are then dropped (HTTP 504, nothing recorded)."""
        self.script(slow=[{"seconds": seconds, "count": count, "process": process, "paths": paths}])

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Accepted messages: endpoint, user_id, text, buttons, token, body."""
        with self._cond:
            return list(self._messages)

    def texts(self, user_id: str) -> list[str]:
        """Texts accepted for one user, in order."""
        return [m["text"] for m in self.messages if m["user_id"] == user_id]

    def wait_for(self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = 10.0) -> bool:
        """Block until predicate(messages) holds; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: predicate(list(self._messages)), timeout=timeout)

    def state(self) -> dict[str, Any]:
        """Tokens, counters and what was received (the admin API's /_fake/state)."""
        with self._cond:
            return {"access_token": self.access_token, "refresh_token": self.refresh_token,
                    "token_state": self.token_state, "refreshes": self.refreshes, "reused": self.reused,
                    "spent": sorted(self.spent), "oauth_calls": list(self.oauth_calls), "calls": list(self.calls),
                    "messages": len(self._messages), "followers": len(self.followers),
                    "rules": [dict(r, users=list(r["users"]) if r.get("users") else None) for r in self.rules]}

    # request handling (called from server threads) ---------------------------------------------------------
    def _take_rule(self, kind: str, endpoint: str, user_id: str | None) -> dict[str, Any] | None:
        """The first live rule of a kind matching this call, consuming one of its count."""
        for rule in self.rules:
            if rule["kind"] != kind or rule.get("count") == 0:
                continue
            if rule.get("paths") and endpoint not in rule["paths"]:
                continue
            if rule.get("users") and user_id not in rule["users"]:
                continue
            if rule.get("fraction") is not None and self._random.random() >= float(rule["fraction"]):
                continue
            if rule.get("count") is not None:
                rule["count"] -= 1
            return rule
        return None

    def _api(self, endpoint: str, token: str | None, query: dict[str, Any], raw: bytes) -> dict[str, Any]:
        """Answer one /v3.0 call (HTTP 200, Zalo error codes in the body)."""
        if not token or token != self.access_token or self.token_state == "revoked":
            return failure(-216, "Access token is invalid")
        if self.token_state == "expired":
            return failure(-220, "Access token has expired")
        try:
            if endpoint in ("cs", "promotion"):
                user_id, text, buttons = check_message(endpoint, json.loads(raw or b"null"))
            else:
                data = json.loads((query.get("data") or ["null"])[0])
                if not isinstance(data, dict):
                    raise BadRequest("data")
                user_id, text, buttons = str(data.get("user_id") or ""), "", []
        except (ValueError, BadRequest) as exc:
            return failure(-201, f"Invalid parameter: {exc}")
        rule = self._take_rule("errors", endpoint, user_id)
        if rule is not None:
            return failure(int(rule["code"]), "scripted error")
        if user_id in self.user_errors and endpoint in ("cs", "promotion", "detail"):
            return failure(self.user_errors[user_id], "scripted user error")
        if endpoint == "getlist":
            return self._getlist(data)
        if endpoint == "detail":
            if user_id not in self.followers:
                return failure(-213, "User has not followed OA")
            return success({"user_id": user_id, "display_name": f"Người dùng {user_id}", "user_is_follower": True})
        message_id = f"msg-{len(self._messages) + 1}"
        self._messages.append({"endpoint": endpoint, "user_id": user_id, "text": text, "buttons": buttons,
                               "token": token, "message_id": message_id, "body": json.loads(raw)})
        return success({"message_id": message_id, "user_id": user_id})

    def _getlist(self, data: dict[str, Any]) -> dict[str, Any]:
        offset, count = data.get("offset", 0), data.get("count", 0)
        if not isinstance(offset, int) or not isinstance(count, int) or offset < 0 or not 1 <= count <= 50:
            return failure(-201, "Invalid parameter: count must be 1..50")
        page = self.followers[offset:offset + count]
        return success({"total": len(self.followers), "count": len(page), "offset": offset,
                    "users": [{"user_id": u} for u in page]})

    def _oauth(self, secret: str | None, form: dict[str, list[str]]) -> dict[str, Any]:
        """OAuth v4 refresh: single-use refresh tokens, failures as HTTP 200 with error_name."""
        presented = (form.get("refresh_token") or [""])[0]
        call = {"refresh_token": presented, "ok": False}
        self.oauth_calls.append(call)
        if secret != self.app_secret or (form.get("app_id") or [""])[0] != self.app_id:
            return {"error": -14002, "error_name": "Invalid app", "error_description": "app_id or secret_key wrong"}
        if (form.get("grant_type") or [""])[0] != "refresh_token":
            return {"error": -14001, "error_name": "Invalid grant_type", "error_description": "unsupported"}
        if self.oauth_failures > 0:
            self.oauth_failures -= 1
            return {"error": -14020, "error_name": "Internal error", "error_description": "scripted failure"}
        if presented != self.refresh_token:
            self.reused += presented in self.spent
            return {"error": -14014, "error_name": "Invalid refresh token",
                    "error_description": "Refresh token is invalid or has been used"}
        self._issued += 1
        self.spent.add(presented)
        self.access_token, self.refresh_token = f"access-{self._issued}", f"refresh-{self._issued}"
        self.token_state = "valid"
        self.refreshes += 1
        call["ok"] = True
        return {"access_token": self.access_token, "refresh_token": self.refresh_token, "expires_in": self.expires_in}

    def handle(self, method: str, path: str, query: dict[str, list[str]], headers: Any,
               raw: bytes) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON answer) for one request to a Zalo path."""
        endpoint = PATHS.get(path)
        if endpoint is None or (method == "GET") != (endpoint in ("getlist", "detail")):
            return 404, {"error": 404, "message": "Not found"}
        with self._cond:
            slow = self._take_rule("slow", endpoint, None)
            http = self._take_rule("http", endpoint, None) if slow is None else None
        if slow is not None:
            self._stopping.wait(float(slow["seconds"]))
            if not slow.get("process"):
                with self._cond:
                    self.calls.append({"endpoint": endpoint, "error": "dropped"})
                return 504, {"error": -1, "message": "Gateway timeout"}
        if http is not None:
            with self._cond:
                self.calls.append({"endpoint": endpoint, "error": f"HTTP {http['status']}"})
            return int(http["status"]), {"error": -1, "message": "Internal server error"}
        with self._cond:
            if endpoint == "oauth":
                answer = self._oauth(headers.get("secret_key"), parse_qs(raw.decode("utf-8", "replace")))
            else:
                answer = self._api(endpoint, headers.get("access_token"), query, raw)
            self.calls.append({"endpoint": endpoint, "error": answer.get("error", 0)})
            self._cond.notify_all()
        return 200, answer

    def admin(self, method: str, path: str, query: dict[str, list[str]], raw: bytes) -> tuple[int, dict[str, Any]]:
        """The /_fake admin API for out-of-process tests."""
        body = json.loads(raw) if raw.strip() else {}
        if method == "GET" and path == "/_fake/messages":
            least = int((query.get("min") or ["0"])[0])
            self.wait_for(lambda m: len(m) >= least, timeout=float((query.get("timeout") or ["0"])[0]))
            return 200, {"messages": self.messages}
        if method == "GET" and path == "/_fake/state":
            return 200, self.state()
        if method == "POST" and path == "/_fake/script":
            return 200, self.script(**body)
        if method == "POST" and path == "/_fake/reset":
            self.reset(tokens=bool(body.get("tokens")))
            return 200, self.state()
        return 404, {"error": 404, "message": "Not found"}


def point_at(settings: Any, fake: FakeZalo, timeout: float = 0.5) -> Any:
    """Settings whose Zalo API and OAuth bases are the fake (short timeout for tests)."""
    return settings.with_(zalo_api_base=fake.base_url, zalo_oauth_base=fake.base_url,
                          zalo_app_id=fake.app_id, zalo_app_secret=fake.app_secret, zalo_timeout_seconds=timeout)


@pytest.fixture
def fake_zalo() -> Iterator[FakeZalo]:
    """A started FakeZalo with five followers, stopped after the test."""
    with FakeZalo(followers=[f"follower{i}" for i in range(5)]) as fake:
        yield fake


def main(argv: list[str] | None = None) -> int:
    """Run the fake standalone until SIGTERM/SIGINT, printing its port first."""
    parser = argparse.ArgumentParser(prog="python -m tests.fake_zalo")
    parser.add_argument("--port", type=int, default=0, help="0 = a free port")
    parser.add_argument("--app-id", default="app-test")
    parser.add_argument("--app-secret", default="app-secret-test")
    parser.add_argument("--access-token", default="access-0")
    parser.add_argument("--refresh-token", default="refresh-0")
    parser.add_argument("--expires-in", default="90000")
    parser.add_argument("--followers", type=int, default=0, help="how many followers (follower0, follower1, ...)")
    args = parser.parse_args(argv)
    fake = FakeZalo(app_id=args.app_id, app_secret=args.app_secret, access_token=args.access_token,
                    refresh_token=args.refresh_token, expires_in=args.expires_in, port=args.port,
                    followers=[f"follower{i}" for i in range(args.followers)]).start()
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    print(fake.port, flush=True)
    done.wait()
    fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
