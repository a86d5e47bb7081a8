"""Service refusals reach officials in Vietnamese: each service error carries a kind, bot/data/console.json words it,
the console's pages show that wording (never the English line the command line and the JSON API print)."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any, Callable

import pytest

from bot.officials import accounts, imports
from bot.officials import broadcasts as broadcast
from bot.officials import laws as law_admin
from bot.ops.datafiles import DATA_DIR
from bot.ops.errors import described
from bot.store.state import LockTimeout
from bot.web.console import wording
from bot.zalo.messages import MAX_TEXT, OutMessage
from tests.broadcast_helpers import ListQueue
from tests.web.test_console import ADMIN, PASSWORD, console_app, login, token

ENGLISH = re.compile(r"\b(expected|must|already exists|no official|no document|is empty|longer than|topic)\b")


@pytest.fixture
def parts(settings: Any, redis_client: Any, shared_dir: Path) -> tuple[Any, Any, Any]:
    """(app, store, queue): the console on real Redis with a small corpus, an admin and an editor."""
    return console_app(settings, redis_client, shared_dir)


def refusals(store: Any, settings: Any) -> list[tuple[str, Callable[[], Any], str]]:
    """(name, a service call that refuses, the Vietnamese the console shows)."""
    queue = ListQueue()
    return [
        ("bad name", lambda: accounts.add(store, "a b", PASSWORD), "tên đăng nhập phải dài 2 đến 40 ký tự"),
        ("bad role", lambda: accounts.add(store, "mai", PASSWORD, "boss"), "vai trò phải là Quản trị hoặc Biên tập"),
        ("short password", lambda: accounts.add(store, "mai", "ngan"), "mật khẩu cần ít nhất 10 ký tự"),
        ("taken name", lambda: accounts.add(store, ADMIN, PASSWORD), "đã có tài khoản tên “lan”"),
        ("unknown official", lambda: accounts.remove(store, "ai-do"), "không có tài khoản tên “ai-do”"),
        ("new password short", lambda: accounts.set_password(store, ADMIN, "x"), "mật khẩu cần ít nhất 10 ký tự"),
        ("empty text", lambda: broadcast.create(store, queue, OutMessage(" "), "subscribers"),
         "nội dung tin đang để trống"),
        ("long text", lambda: broadcast.create(store, queue, OutMessage("a" * (MAX_TEXT + 1)), "subscribers"),
         f"nội dung dài {MAX_TEXT + 1} ký tự, Zalo chỉ nhận tối đa {MAX_TEXT} ký tự"),
        ("bad audience", lambda: broadcast.create(store, queue, OutMessage("x"), "everyone"),
         "hãy chọn người nhận trong danh sách"),
        ("unknown topic", lambda: broadcast.create(store, queue, OutMessage("x"), "subscribers", ("bong-da",)),
         "không có chủ đề “bong-da”"),
        ("topic outside subscribers", lambda: broadcast.create(store, queue, OutMessage("x"), "recent",
                                                                ("tre-em",)),
         "chỉ chọn chủ đề khi gửi cho người đăng ký nhận tin"),
        ("unknown status", lambda: law_admin.set_status(settings, store, "41/2024/QH15", "gone"),
         "trạng thái “gone” không có trong danh sách"),
        ("unknown document", lambda: law_admin.set_status(settings, store, "1/2000/QH10", "expired"),
         "kho văn bản không có văn bản số “1/2000/QH10”"),
        ("too large", lambda: imports.submit(store, queue, [b"x" * 20], "luat.txt", "hoa", 10),
         "tệp lớn hơn 0 MB"),
        ("bad suffix", lambda: imports.submit(store, queue, [b"x"], "luat.pdf", "hoa", 10),
         "chỉ nhận tệp Pháp điển"),
    ]


def test_every_service_refusal_is_worded_in_vietnamese(parts: Any) -> None:
    app, store, _ = parts
    settings = app.extensions["zlb"].settings
    for name, call, expected in refusals(store, settings):
        with pytest.raises(ValueError) as refused:
            call()
        said = wording.explain(refused.value)
        assert said.startswith(expected), (name, said)
        assert not ENGLISH.search(said), (name, said)


def test_a_failure_kept_by_a_job_is_worded_like_one_raised_here() -> None:
    try:
        raise LockTimeout("zalo-bot:corpus")
    except LockTimeout as exc:
        kept = json.loads(json.dumps(described(exc)))  # as a job keeps it in the shared store
    assert wording.failure(kept) == wording.explain(LockTimeout("x")) and "thử lại sau vài phút" in wording.failure(kept)


def test_an_unforeseen_error_says_so_and_keeps_the_technical_line() -> None:
    said = wording.explain(RuntimeError("redis went away"))
    assert said.startswith("lỗi chưa lường trước") and "redis went away" in said


def test_every_error_wording_is_filled_by_the_fields_its_error_carries() -> None:
    """Each error_<kind> names only fields among those the services pass (a typo would fall back to the generic
    line); every kind raised in bot/ has its wording."""
    data = json.loads((DATA_DIR / "console.json").read_text(encoding="utf-8"))
    fields = {"min", "name", "value", "max", "length", "number", "mb", "status", "host", "topics", "detail"}
    for key, value in data.items():
        if key.startswith("error_"):
            assert set(re.findall(r"{(\w+)}", value)) <= fields, key
    assert {k for k in raised_kinds() if f"error_{k}" not in data} == set()


def raised_kinds() -> set[str]:
    """Every kind bot/ gives an error: a one-word constant argument (messages have spaces) of a call to a class
    built on bot.ops.errors.Explained, and the class attribute `kind = "..."`."""
    root = Path(__file__).resolve().parents[2] / "bot"
    trees = [ast.parse(path.read_text(encoding="utf-8")) for path in root.rglob("*.py")]
    classes = [n for tree in trees for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    explained = {"Explained"}
    while True:
        more = {c.name for c in classes if {getattr(b, "id", getattr(b, "attr", "")) for b in c.bases} & explained}
        if more <= explained:
            break
        explained |= more
    kinds: set[str] = set()
    for node in (n for tree in trees for n in ast.walk(tree)):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in explained:
                kinds |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
                          and re.fullmatch(r"[a-z]+(_[a-z]+)*", a.value)}
        elif isinstance(node, ast.Assign) and [getattr(x, "id", "") for x in node.targets] == ["kind"] \
                and isinstance(node.value, ast.Constant) and node.value.value:
            kinds.add(str(node.value.value))
    assert {"file_type", "no_number", "docx", "topic_unknown", "too_large", "busy"} <= kinds  # the scan sees them
    return kinds


@pytest.mark.parametrize("form, wording_", [
    ({"name": "mai", "role": "editor", "password": PASSWORD, "password2": PASSWORD + "x"},
     "Chưa tạo được tài khoản: hai lần nhập mật khẩu không giống nhau."),
    ({"name": "mai", "role": "editor", "password": "ngan", "password2": "ngan"},
     "Chưa tạo được tài khoản: mật khẩu cần ít nhất 10 ký tự."),
    ({"name": ADMIN, "role": "editor", "password": PASSWORD, "password2": PASSWORD},
     "Chưa tạo được tài khoản: đã có tài khoản tên “lan”."),
])
def test_the_officials_page_says_why_an_account_was_refused(parts: Any, form: dict[str, str], wording_: str) -> None:
    app = parts[0]
    client = login(app, ADMIN)
    page = client.post("/console/officials", data={**form, "csrf_token": token(client, "/console/officials")},
                       follow_redirects=True).get_data(as_text=True)
    assert wording_ in page


def test_the_broadcasts_page_says_why_a_message_was_refused(parts: Any) -> None:
    app, _, queue = parts
    client = login(app)
    page = client.post("/console/broadcasts/send", data={"text": "a" * (MAX_TEXT + 1), "audience": "subscribers",
                                                         "csrf_token": token(client, "/console/broadcasts")})
    assert page.status_code == 400 and queue.jobs == []
    assert f"Chưa gửi được: nội dung dài {MAX_TEXT + 1} ký tự" in page.get_data(as_text=True)
