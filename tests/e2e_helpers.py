"""End-to-end plumbing: the real Procfile processes and the standalone fake Zalo as subprocesses (tests.procs), with
the e2e suites' credentials, and Zalo-signed events (SPEC §3, independently of bot.zalo.signature).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from tests import procs
from tests.procs import NEW_VERSION_WITHIN, ROOT, free_port, now_ms, process_env, wait_ready  # noqa: F401

# the e2e suites import these from here; their processes are stopped group-wide (GroupProc)
from tests.procs import GroupProc as Proc  # noqa: F401

APP_ID = "3206567425609033798"
APP_SECRET = "e2e-app-secret-Qm4tV7"
OA_SECRET = "e2e-oa-secret-Xk9pL2"
ACCESS_0 = "e2e-access-token-A0"
REFRESH_0 = "e2e-refresh-token-R0"
ADMIN_TOKEN = "e2e-admin-token-Z5-8gHs3nYq6JwC2vBx"
OA_ID = "579745863508352884"
SECRETS = (APP_SECRET, OA_SECRET, ACCESS_0, REFRESH_0, ADMIN_TOKEN)


def zalo_mac(body: bytes, timestamp: str, app_id: str = APP_ID, secret: str = OA_SECRET) -> str:
    """X-ZEvent-Signature value per SPEC §3 (the e2e app and OA secret unless given)."""
    return procs.zalo_mac(body, timestamp, app_id, secret)


def text_event(user_id: str, msg_id: str, text: str, ts: str | None = None) -> dict[str, Any]:
    """A user_send_text event shaped like SPEC's sample."""
    return {"app_id": APP_ID, "sender": {"id": user_id}, "user_id_by_app": "552177279717587730",
            "recipient": {"id": OA_ID}, "event_name": "user_send_text",
            "message": {"text": text, "msg_id": msg_id}, "timestamp": ts or now_ms()}


def follow_event(user_id: str, ts: str | None = None) -> dict[str, Any]:
    """A follow event shaped like SPEC's sample."""
    return {"app_id": APP_ID, "oa_id": OA_ID, "user_id_by_app": "1923626015168953374", "event_name": "follow",
            "timestamp": ts or now_ms(), "source": "oa_profile", "follower": {"id": user_id}}


def signed(event: dict[str, Any] | bytes, ts: str | None = None,
           secret: str = OA_SECRET) -> tuple[bytes, dict[str, str]]:
    """(raw body, headers) as Zalo posts them to the e2e app; the timestamp is the body's unless given."""
    return procs.signed(event, APP_ID, secret, ts)


class FakeZaloProc(procs.FakeZaloProc):
    """The standalone fake Zalo holding the e2e app's credentials."""

    term_group = True
    stop_timeout = 10.0

    def __init__(self, log_dir: Path, env: dict[str, str]) -> None:
        super().__init__(log_dir, env, APP_ID, APP_SECRET, ACCESS_0, REFRESH_0)


def procfile_web_argv(port: int) -> list[str]:
    """The Procfile's web: command, bound to 127.0.0.1:<port> instead of 0.0.0.0:$PORT."""
    return procs.procfile_argv("web", port)


def procfile_worker_argv() -> list[str]:
    """The Procfile's worker: command (python = this interpreter)."""
    return procs.procfile_argv("worker")
