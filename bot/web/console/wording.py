"""The console's wording from bot/data/console.json: service errors by kind, a job's state and step, the banners."""
from __future__ import annotations

import functools
from datetime import datetime, timedelta, timezone
from typing import Any

from bot.ops.datafiles import DATA_DIR, Texts
from bot.ops.errors import kind_of

VN = timezone(timedelta(hours=7))  # officials read times in Vietnam time


@functools.lru_cache(maxsize=1)
def texts() -> Texts:
    """bot/data/console.json, read once per process."""
    return Texts.load(DATA_DIR / "console.json")


def say(key: str, **fields: Any) -> str:
    """One wording, filled in."""
    return texts().get(key, **fields)


def table(key: str) -> dict[str, str]:
    """A table of wordings by value (a menu, the choices of a list), in the order the file gives."""
    return {str(k): str(v) for k, v in texts().raw(key).items()}


def reason(kind: str, params: dict[str, Any] | None = None, detail: str = "") -> str:
    """Why a service refused, in Vietnamese, from its error kind; an unforeseen error says so and keeps the
    technical line for whoever maintains the server."""
    key = f"error_{kind}"
    if kind and key in texts():
        try:
            return say(key, **(params or {}))
        except (KeyError, IndexError, ValueError):
            pass  # wording that wants a field this error lacks: the generic line below
    return say("error_other", detail=detail or kind or "?")


def explain(exc: BaseException) -> str:
    """reason() of an exception (its kind, or the kind of the error it was raised from)."""
    kind, params = kind_of(exc)
    return reason(kind, params, str(exc))


def failure(status: dict[str, Any]) -> str:
    """reason() of a job's failure kept in its status (bot.ops.errors.described)."""
    return reason(str(status.get("error_kind") or ""), status.get("error_params") or {}, str(status.get("error", "")))


def label(prefix: str, value: str) -> str:
    """The wording `<prefix>_<value>` (a state, a step), or the value itself when there is none."""
    key = f"{prefix}_{value}"
    return say(key) if key in texts() else value


def local_time(epoch: float) -> str:
    """An epoch time as officials read it: HH:MM ngày DD/MM/YYYY, Vietnam time."""
    return datetime.fromtimestamp(float(epoch), VN).strftime(say("time_format"))


def iso_local(iso: str) -> str:
    """An ISO 8601 time (UTC) as local_time, or the text as it is when it is not one."""
    try:
        return local_time(datetime.fromisoformat(iso).timestamp())
    except (TypeError, ValueError):
        return iso or ""


def token_banner(alert: dict[str, Any] | None) -> dict[str, str] | None:
    """The banner of a standing token alert (bot.zalo.tokens.token_alert): what happened and what to do."""
    if not alert:
        return None
    try:
        when = local_time(float(alert.get("at") or 0))
    except (TypeError, ValueError, OverflowError, OSError):
        when = "?"
    return {"title": say("banner_token_title"),
            "what": say("banner_token_what", time=when, reason=str(alert.get("reason") or "?")),
            "todo": say("banner_token_todo")}


def sentence(text: str) -> str:
    """A reason as a sentence of its own: capital first letter, full stop."""
    text = text.strip()
    return (text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")) if text else ""


def job_progress(status: dict[str, Any], final: tuple[str, ...]) -> dict[str, Any]:
    """What a progress box shows of a job's status (a preview, an import, a fetch) and its JSON twin returns."""
    state = str(status.get("state") or "")
    return {"id": status.get("id"), "state": state, "final": state in final, "state_label": label("state", state),
            "step_label": label("step", str(status.get("progress") or state)),
            "error_text": sentence(failure(status)) if state == "failed" else ""}


def job_title(status: dict[str, Any]) -> str:
    """What an import or a fetch was: "Nhập tệp …" or "Tải từ Pháp điển (đề mục …)"."""
    if status.get("what") == "fetch":
        topics = ", ".join(status.get("topics") or ())
        return say("what_fetch", topics=say("what_fetch_topics", topics=topics) if topics else "")
    return say("what_import", file=status.get("file", ""))


def job_outcome(status: dict[str, Any]) -> str:
    """What a finished import or fetch did, in a sentence."""
    version = status.get("version") or "–"
    if status.get("what") == "fetch":
        key = f"outcome_{status.get('outcome')}"
        text = say(key, version=version) if key in texts() else str(status.get("outcome") or "")
        missing = ", ".join(status.get("missing") or ())
        return text + (" " + say("fetch_missing", topics=missing) if missing else "")
    return say("outcome_changed" if status.get("changed", True) else "outcome_same", version=version)
