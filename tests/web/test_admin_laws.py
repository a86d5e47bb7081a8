"""Law updates through /admin/laws: change reports, rollback, status, and a running web process swapping versions."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot import create_app
from bot.store.redis_state import RedisStateStore
from bot.jobs.imports import run_import
from tests.broadcast_helpers import ListQueue, ScriptedZalo

TOKEN = "admin-token-test-Vq3xT9kLm2Pz7sRw5YbN"
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


class Done:
    """An import's final status, shaped like a response (status_code, get_json) for the assertions below."""

    def __init__(self, status_code: int, body: dict) -> None:
        self.status_code, self.body = status_code, body

    def get_json(self) -> dict:
        """The body."""
        return self.body


def finish(app, client, answer) -> Done:
    """Run the queued import job (what a worker does) and read the import's final status: 200 when it imported,
    400 when the upload was refused, like the synchronous answer the admin API gave before imports were jobs."""
    if answer.status_code != 202:
        return Done(answer.status_code, answer.get_json())
    queued = answer.get_json()
    assert queued["state"] == "queued" and queued["url"] == f"/admin/laws/imports/{queued['id']}"
    services = app.extensions["zlb"]
    func, args = services.queue.jobs.pop(0)
    assert func == "bot.jobs.imports.run_import"
    run_import(*args, services=services)
    final = client.get(queued["url"]).get_json()
    return Done(200 if final["state"] == "done" else 400, final)


def upload(app_parts_or_client, text: str | bytes, name: str = "bhxh.txt"):
    """POST a document as the raw body and let the worker import it."""
    app, client = app_parts_or_client[:2]
    data = text.encode("utf-8") if isinstance(text, str) else text
    return finish(app, client, client.post(f"/admin/laws?filename={name}", data=data,
                                           content_type="application/octet-stream"))


def test_import_reports_exactly_the_changed_articles_then_rollback_and_status(app_parts, statute) -> None:
    app, client, store = app_parts
    first = upload(app_parts, statute)
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert body["report"]["counts"]["docs_added"] == 1 and body["version"]
    assert body["report"]["documents"][0]["number"] == DOC

    second = upload(app_parts, changed(statute)).get_json()
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
    version = upload(app_parts, statute).get_json()["version"]
    assert upload(app_parts, data, name).status_code == 400
    assert client.get("/admin/laws").get_json()["version"] == version


def test_upload_phapdien_html_as_a_multipart_file(app_parts, shared_dir) -> None:
    import io

    app, client, _ = app_parts
    html = sorted((shared_dir / "laws/phapdien/demuc").glob("*.html"), key=lambda p: p.stat().st_size)[0]
    answer = finish(app, client, client.post("/admin/laws",
                                             data={"file": (io.BytesIO(html.read_bytes()), html.name)},
                                             content_type="multipart/form-data"))
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["report"]["counts"]["docs_added"] >= 1 and body["report"]["counts"]["changed"] == 0
    assert body["text"].startswith("Thay đổi: phiên bản - → ")
    listed = client.get("/admin/laws").get_json()
    assert listed["version"] == body["version"] and all(d["source"] == "phapdien" for d in listed["documents"])
    cover = listed["coverage"]  # what the library covers, kept with the version at import
    assert cover["version"] == body["version"] and cover["subjects"][0]["kind"] == "demuc"
    assert cover["subjects"][0]["articles"] > 0 and sum(cover["types"].values()) == len(listed["documents"])
    assert {"slug": "dat-dai", "name": "đất đai"} in cover["missing"]


def test_upload_docx_then_a_changed_docx_reports_the_diff(app_parts, tmp_path) -> None:
    import docx

    def word_file(fine: str) -> bytes:
        document = docx.Document()
        for line in ["QUỐC HỘI", "Luật số: 99/2030/QH16", "LUẬT", "THỬ NGHIỆM NHẬP VĂN BẢN",
                     "Điều 1. Phạm vi điều chỉnh", "Luật này quy định việc nhập văn bản từ tệp Word.",
                     "Điều 2. Mức phạt", f"1. Phạt tiền từ {fine} đồng.", "2. Tái phạm thì phạt gấp đôi."]:
            document.add_paragraph(line)
        path = tmp_path / f"luat-{fine}.docx"
        document.save(str(path))
        return path.read_bytes()

    first = upload(app_parts, word_file("1.000.000"), "luat.docx")
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["report"]["counts"]["docs_added"] == 1
    second = upload(app_parts, word_file("2.000.000"), "luat.docx").get_json()
    articles = [a for d in second["report"]["documents"] for a in d["articles"]]
    assert [(a["key"], a["kind"]) for a in articles] == [("99/2030/QH16:2", "changed")]
    assert "[-1.000.000-] {+2.000.000+}" in second["text"]


# a running web process answering from the new version within seconds is checked against gunicorn and the worker
# in tests/e2e/test_admin_e2e.py


def test_upload_with_the_number_as_form_fields(app_parts, shared_dir) -> None:
    import io

    app, client, _ = app_parts
    text = (shared_dir / "laws/official-text/luat-phong-chong-bao-luc-gia-dinh-2022.txt").read_bytes()
    bare = finish(app, client, client.post("/admin/laws", data={"file": (io.BytesIO(text), "bao-luc.txt")},
                                           content_type="multipart/form-data"))
    assert bare.status_code == 400 and "--number" in bare.get_json()["error"]
    fields = {"number": "13/2022/QH15", "type": "Luật", "name": "Luật Phòng, chống bạo lực gia đình",
              "effective": "01/07/2023"}
    answer = finish(app, client, client.post("/admin/laws", data={"file": (io.BytesIO(text), "bao-luc.txt"),
                                                                  **fields}, content_type="multipart/form-data"))
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["meta"] == fields  # kept with the upload for the worker
    listed = {d["number"]: d for d in client.get("/admin/laws").get_json()["documents"]}
    assert listed["13/2022/QH15"]["articles"] == 56 and listed["13/2022/QH15"]["title"] == fields["name"]
    wrong = client.post("/admin/laws", data={"file": (io.BytesIO(text), "bao-luc.txt"), **fields,
                                             "effective": "1 July"}, content_type="multipart/form-data")
    assert wrong.status_code == 400 and "expected a date" in wrong.get_json()["error"]  # refused before queueing
    assert not app.extensions["zlb"].queue.jobs


@pytest.mark.parametrize("size", [70_000, 200_000])
def test_an_upload_over_the_cap_is_refused_while_it_streams_and_nothing_is_kept(settings, redis_client,
                                                                                 size: int) -> None:
    """Over MAX_UPLOAD_BYTES: refused from the announced length (200 kB) or while the body is read (70 kB, under the
    multipart allowance): 413, no job, no chunk kept."""
    store = RedisStateStore(redis_client)
    app = create_app(settings.with_(max_upload_bytes=10_000), store=store, queue=ListQueue(), zalo=ScriptedZalo())
    answer = app.test_client().post("/admin/laws?filename=big.txt", data=b"x" * size,
                                    content_type="application/octet-stream",
                                    headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 413, answer.get_json()
    assert not app.extensions["zlb"].queue.jobs and store.keys("zlb:importfile:*") == []
