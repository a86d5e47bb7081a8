"""Law updates through /admin/laws: change reports, rollback, status, and a running web process swapping versions."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from bot import create_app, law_admin
from bot.state import RedisStateStore
from tests.broadcast_helpers import ListQueue, ScriptedZalo

pytest.importorskip("bot.corpus.store")
pytest.importorskip("bot.laws")

TOKEN = "admin-token-test"
DOC = "41/2024/QH15"


@pytest.fixture
def statute(shared_dir: Path) -> str:
    """The plain-text extract of the social insurance law (Điều 50-62)."""
    return (shared_dir / "laws/text/luat-bao-hiem-xa-hoi-2024-trich-che-do-thai-san.txt").read_text(encoding="utf-8")


def changed(text: str) -> str:
    """The same law with two articles amended (Điều 53 and Điều 59)."""
    head, sep, tail = text.partition("Điều 53.")
    body, sep2, rest = tail.partition("Điều 54.")
    body = body.replace("06 tháng", "07 tháng", 1)
    assert "07 tháng" in body
    rest = rest.replace("Điều 59. Trợ cấp thai sản", "Điều 59. Trợ cấp thai sản hằng tháng")
    return head + sep + body + sep2 + rest


@pytest.fixture
def app_parts(settings, redis_client):
    """An app on real Redis loading the corpus from the test's $LAWS_DIR."""
    store = RedisStateStore(redis_client)
    app = create_app(settings, store=store, queue=ListQueue(), zalo=ScriptedZalo())
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {TOKEN}"
    return app, client, store


def upload(client, text: str, name: str = "bhxh.txt"):
    """POST a document as the raw body."""
    return client.post(f"/admin/laws?filename={name}", data=text.encode("utf-8"),
                       content_type="application/octet-stream")


def test_import_reports_exactly_the_changed_articles_then_rollback_and_status(app_parts, statute) -> None:
    app, client, store = app_parts
    first = upload(client, statute)
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert body["report"]["counts"]["docs_added"] == 1 and body["version"]
    assert body["report"]["documents"][0]["number"] == DOC

    second = upload(client, changed(statute)).get_json()
    articles = [a for d in second["report"]["documents"] for a in d["articles"]]
    assert sorted((a["key"], a["kind"]) for a in articles) == [(f"{DOC}:53", "changed"), (f"{DOC}:59", "changed")]
    assert "{+07+}" in second["text"] and second["version"] != body["version"]
    assert store.get_json("zlb:corpus:version") == second["version"]

    back = client.post("/admin/laws/rollback").get_json()
    assert back["version"] == body["version"] and back["report"]["counts"]["changed"] == 2

    status = client.post("/admin/laws/status", json={"number": DOC, "status": "replaced",
                                                      "replaced_by": "99/2030/QH16", "date": "01/01/2031"})
    assert status.status_code == 200
    listed = {d["number"]: d for d in client.get("/admin/laws").get_json()["documents"]}
    assert listed[DOC]["status"] == "replaced" and "01/01/2031" in listed[DOC]["status_note"]
    actions = [e["action"] for e in client.get("/admin/audit").get_json()["entries"]]
    assert {"laws_import", "laws_rollback", "laws_status"} <= set(actions)

    report = client.post("/admin/broadcasts", json={"report": second["report_id"], "audience": "subscribers",
                                                    "dry_run": True})
    assert report.status_code == 202 and report.get_json()["topics"] == ["lao-dong-nu"]


@pytest.mark.parametrize("name, data", [("law.pdf", "x"), ("law.txt", ""), ("law.txt", "không phải văn bản luật")])
def test_bad_uploads_leave_the_corpus_alone(app_parts, statute, name, data) -> None:
    _, client, _ = app_parts
    version = upload(client, statute).get_json()["version"]
    assert upload(client, data, name).status_code == 400
    assert client.get("/admin/laws").get_json()["version"] == version


def test_a_running_web_process_answers_from_the_new_version_within_5s(settings, redis_client, statute) -> None:
    from werkzeug.serving import make_server

    import requests

    store = RedisStateStore(redis_client)
    law_admin.import_documents(settings, store, [_write(settings.laws_dir.parent / "v1.txt", statute)])
    app = create_app(settings, store=store, queue=ListQueue(), zalo=ScriptedZalo())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/readyz"
    seen: list[tuple[float, int, str]] = []
    stop, swapped = threading.Event(), threading.Event()
    old = requests.get(url, timeout=5).json()["version"]

    def poll() -> None:
        with requests.Session() as http:
            while not stop.is_set():
                response = http.get(url, timeout=5)
                seen.append((time.monotonic(), response.status_code, response.json().get("version")))
                if seen[-1][2] != old:
                    swapped.set()

    poller = threading.Thread(target=poll)
    try:
        poller.start()
        update = law_admin.import_documents(settings, store, [_write(settings.laws_dir.parent / "v2.txt",
                                                                     changed(statute))])
        published = time.monotonic()
        assert swapped.wait(5), "the web process still answers from the old version after 5 s"
    finally:
        stop.set()
        poller.join(10)
        server.shutdown()
    assert old != update.version and seen[-1][2] == update.version
    assert all(code == 200 for _, code, _ in seen)
    first_new = next(t for t, _, v in seen if v == update.version)
    assert first_new - published <= 5.0


def _write(path: Path, text: str) -> str:
    """Write a source file; its path."""
    path.write_text(text, encoding="utf-8")
    return str(path)
