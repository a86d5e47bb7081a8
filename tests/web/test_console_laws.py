"""The console's law uploads and fetches over real Redis, every step a worker's job (run here from the recorded queue
with the app's services): upload → preview, polled → confirm → import, polled → its change report; a fetch from
the official source followed the same way; every refusal worded in Vietnamese; the token alert's banner."""
from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Any

import pytest

from bot.jobs import imports as import_jobs
from bot.jobs import lawfetch
from bot.officials import audit, imports, law_uploads
from bot.zalo import tokens
from tests.web.test_console import EDITOR, GET_PAGES, console_app, law_store, login, token

DV_LAW = "laws/official-text/luat-phong-chong-bao-luc-gia-dinh-2022.txt"
FACTS = {"number": "13/2022/QH15", "type": "Luật", "name": "Luật Phòng, chống bạo lực gia đình",
         "effective": "01/07/2023"}
ENGLISH = re.compile(r"\b(expected|the file|upload|no such|refused|must)\b")  # service lines that must not leak


@pytest.fixture
def parts(settings: Any, redis_client: Any, shared_dir: Path) -> tuple[Any, Any, Any]:
    """(app, store, queue): the console on real Redis with a small corpus, an admin and an editor."""
    return console_app(settings, redis_client, shared_dir)


def run_jobs(app: Any, queue: Any) -> list[str]:
    """Run what the console queued (previews, imports, fetches) as a worker would, with the app's services."""
    services = app.extensions["zlb"]
    jobs = {law_uploads.PREVIEW_JOB: import_jobs.run_preview, imports.IMPORT_JOB: import_jobs.run_import,
            lawfetch.OFFICIAL_FETCH_JOB: lawfetch.official_fetch}
    results = []
    while queue.jobs:
        func, args = queue.jobs.pop(0)
        results.append(jobs[func](*args, services=services))
    return results


def upload(client: Any, csrf: str, filename: str, data: bytes, facts: dict[str, str] | None = None) -> Any:
    """POST a file (and the facts typed beside it) to the laws page's upload form."""
    return client.post("/console/laws/upload", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), filename), "csrf_token": csrf, **(facts or {})})


def text(response: Any) -> str:
    """A page's text."""
    return response.get_data(as_text=True)


def flashes(page: str) -> str:
    """The flash and failure messages of a page."""
    return " ".join(re.findall(r'class="flash [^"]*"[^>]*>([^<]*)<', page))


def test_an_upload_is_previewed_and_imported_by_worker_jobs_each_page_following_its_job(
        parts: Any, shared_dir: Path) -> None:
    app, store, queue = parts
    client = login(app)
    csrf = token(client, "/console/laws")
    before = law_store(app).current_version()
    sent = upload(client, csrf, "bao-luc.txt", (shared_dir / DV_LAW).read_bytes(), FACTS)
    assert sent.status_code == 302 and "/console/laws/uploads/" in sent.headers["Location"]
    upload_id = sent.headers["Location"].rsplit("/", 1)[1]
    assert queue.jobs == [(law_uploads.PREVIEW_JOB, (upload_id,))]  # nothing read in the web request
    progress = f"/console/laws/uploads/{upload_id}/progress.json"
    waiting = text(client.get(sent.headers["Location"]))
    assert f'data-progress="{progress}"' in waiting and "Đang chờ máy chủ" in waiting
    assert 'id="preview-report"' not in waiting and 'id="confirm-import"' not in waiting
    assert client.get(progress).get_json()["state"] == "queued"

    assert run_jobs(app, queue) == ["ready"]
    assert client.get(progress).get_json() | {"id": None} == {
        "id": None, "state": "ready", "final": True, "state_label": "Đã có bản xem trước",
        "step_label": "Bản xem trước đã sẵn sàng.", "error_text": ""}
    ready = text(client.get(sent.headers["Location"]))
    assert 'id="preview-report"' in ready and "13/2022/QH15" in ready and "data-progress" not in ready
    assert law_store(app).current_version() == before  # a preview changes nothing

    confirmed = client.post(f"/console/laws/uploads/{upload_id}/confirm", data={"csrf_token": csrf})
    assert confirmed.status_code == 302 and "/console/laws/imports/" in confirmed.headers["Location"]
    import_id = confirmed.headers["Location"].rsplit("/", 1)[1]
    assert queue.jobs == [(imports.IMPORT_JOB, (import_id,))] and law_store(app).current_version() == before
    running = text(client.get(confirmed.headers["Location"]))
    assert f'data-progress="/console/laws/imports/{import_id}/progress.json"' in running
    assert "Nhập tệp bao-luc.txt" in running

    assert run_jobs(app, queue) == ["done"]
    after = law_store(app).current_version()
    done = text(client.get(confirmed.headers["Location"]))
    assert after != before and f"Đã nhập: kho văn bản có phiên bản mới {after}." in done
    assert 'id="change-report"' in done and 'id="report-link"' in done and "data-progress" not in done
    assert client.get(f"/console/laws/imports/{import_id}/progress.json").get_json()["state"] == "done"
    laws_page = text(client.get("/console/laws"))
    assert 'id="imports"' in laws_page and "Nhập tệp bao-luc.txt" in laws_page
    actions = [(e["actor"], e["action"]) for e in audit.recent(store, 10)]
    assert {(EDITOR, "laws_upload_preview"), (EDITOR, "laws_import_queued"), (EDITOR, "laws_import")} <= set(actions)


def test_confirming_before_the_preview_is_ready_is_refused_in_vietnamese(parts: Any, shared_dir: Path) -> None:
    app, store, queue = parts
    client = login(app)
    csrf = token(client, "/console/laws")
    sent = upload(client, csrf, "bao-luc.txt", (shared_dir / DV_LAW).read_bytes(), FACTS)
    upload_id = sent.headers["Location"].rsplit("/", 1)[1]
    early = client.post(f"/console/laws/uploads/{upload_id}/confirm", data={"csrf_token": csrf},
                        follow_redirects=True)
    assert "Chưa nhập được: bản xem trước chưa xong" in flashes(text(early))
    assert queue.jobs == [(law_uploads.PREVIEW_JOB, (upload_id,))]


@pytest.mark.parametrize("name, data, facts, wording", [
    ("luat.pdf", b"%PDF-1.4", {}, "chỉ nhận tệp Pháp điển (.html hoặc .zip), tệp .txt hoặc tệp Word .docx"),
    ("luat.txt", b"", {}, "tệp rỗng"),
    ("luat.txt", "Điều 1. Phạm vi\nNội dung.".encode(), {"effective": "32/13/2020"},
     "ngày “32/13/2020” chưa đúng dạng ngày/tháng/năm"),
    ("luat.txt", "Điều 1. Phạm vi\nNội dung.".encode(), {"number": "so 5"}, "số hiệu “so 5” chưa đúng dạng"),
])
def test_an_upload_refused_at_once_says_why_in_vietnamese(parts: Any, name: str, data: bytes,
                                                          facts: dict[str, str], wording: str) -> None:
    app, store, queue = parts
    client = login(app)
    refused = upload(client, token(client, "/console/laws"), name, data, facts)
    assert refused.status_code == 302 and refused.headers["Location"] == "/console/laws"
    message = flashes(text(client.get("/console/laws")))
    assert f"Không nhận được tệp {name}: {wording}" in message and not ENGLISH.search(message)
    assert queue.jobs == [] and store.keys("zlb:importfile:*") == []


@pytest.mark.parametrize("name, data, facts, wording", [
    ("phapdien.zip", b"not a zip at all", {}, "Tệp ZIP bị hỏng hoặc không phải tệp ZIP của Bộ pháp điển."),
    ("luat.txt", "Điều 1. Phạm vi\nNội dung.".encode(), {}, "Tệp không ghi số hiệu văn bản"),
    ("luat.txt", "Lời nói đầu, không có điều nào.".encode(), FACTS, "Không tìm thấy điều khoản nào trong tệp"),
    ("luat.docx", b"PK\x03\x04 not a real docx", {}, "Không đọc được tệp Word"),
])
def test_a_file_the_worker_cannot_read_shows_why_in_vietnamese(parts: Any, name: str, data: bytes,
                                                               facts: dict[str, str], wording: str) -> None:
    app, store, queue = parts
    client = login(app)
    sent = upload(client, token(client, "/console/laws"), name, data, facts)
    assert run_jobs(app, queue) == ["failed"]
    page = text(client.get(sent.headers["Location"]))
    failure = re.search(r'id="failure">([^<]*)<', page).group(1)
    assert failure.startswith(wording) and not ENGLISH.search(failure)
    assert 'id="confirm-import"' not in page and store.keys("zlb:importfile:*") == []


def test_an_import_whose_file_expired_fails_in_vietnamese(parts: Any, shared_dir: Path) -> None:
    app, store, queue = parts
    client = login(app)
    csrf = token(client, "/console/laws")
    sent = upload(client, csrf, "bao-luc.txt", (shared_dir / DV_LAW).read_bytes(), FACTS)
    run_jobs(app, queue)
    confirmed = client.post(sent.headers["Location"] + "/confirm", data={"csrf_token": csrf})
    store.delete(*store.keys("zlb:importfile:*"))  # the kept file expired before a worker took the import
    assert run_jobs(app, queue) == ["failed"]
    page = text(client.get(confirmed.headers["Location"]))
    assert "Tệp tải lên đã hết hạn trước khi kịp xử lý. Hãy tải lên lại." in page
    assert "Không thành công" in text(client.get("/console/laws"))


def test_a_fetch_from_the_official_source_is_followed_to_its_change_report(parts: Any, phapdien_site: Any) -> None:
    app, store, queue = parts
    services = app.extensions["zlb"]
    services.settings = services.settings.with_(phapdien_url=phapdien_site.url)  # the loopback Pháp điển
    client = login(app)
    csrf = token(client, "/console/laws")
    refused = client.post("/console/laws/fetch", data={"topics": "8.2; rm -rf", "csrf_token": csrf})
    assert refused.status_code == 302 and queue.jobs == []

    def fetch() -> tuple[str, str]:
        """Ask for đề mục 8.2; the fetch's page and id."""
        sent = client.post("/console/laws/fetch", data={"topics": "8.2", "csrf_token": csrf})
        assert sent.status_code == 302 and "/console/laws/imports/" in sent.headers["Location"]
        return sent.headers["Location"], sent.headers["Location"].rsplit("/", 1)[1]

    page, fetch_id = fetch()
    assert queue.jobs == [(lawfetch.OFFICIAL_FETCH_JOB, (EDITOR, ["8.2"], fetch_id))]
    queued = text(client.get(page))
    assert "Tải từ Pháp điển (đề mục 8.2)" in queued and "Đang chờ máy chủ" in queued and "data-progress" in queued
    assert run_jobs(app, queue) == ["imported"]
    done = text(client.get(page))
    version = law_store(app).current_version()
    assert f"Đã nhập: kho văn bản có phiên bản mới {version}." in done and 'id="report-link"' in done
    assert "73/2006/QH11" in done  # the change report: the gender equality law came in
    entry = audit.recent(store, 1)[0]
    assert (entry["actor"], entry["action"], entry["details"]["topics"]) == (EDITOR, "laws_fetch", ["8.2"])

    page, _ = fetch()  # the same ZIP again: the site answers 304
    assert run_jobs(app, queue) == ["not_modified"]
    assert "Bộ pháp điển chưa có bản mới kể từ lần tải trước" in text(client.get(page))

    phapdien_site.mode = "404"
    page, fetch_id = fetch()
    assert run_jobs(app, queue) == ["failed"]
    failed = text(client.get(page))
    failure = re.search(r'id="failure">([^<]*)<', failed).group(1)
    assert failure.startswith("Máy chủ 127.0.0.1:") and "trả lời lỗi (404)" in failure
    assert client.get(f"/console/laws/imports/{fetch_id}/progress.json").get_json()["error_text"] == failure
    assert law_store(app).current_version() == version


def test_a_standing_token_alert_shows_a_banner_on_every_page_until_it_is_lifted(parts: Any) -> None:
    app, store, _ = parts
    anonymous = app.test_client()
    client = login(app)
    assert 'id="token-alert"' not in text(client.get("/console/"))
    store.set_json(tokens.ALERT_KEY, {"at": int(time.time()), "reason": "ReadTimeout", "message": "…"})
    for path in [p for p in GET_PAGES if p != "/console/officials"] + ["/console/laws/changes/nothing"]:
        page = text(client.get(path))
        assert 'id="token-alert"' in page and "ZALO_REFRESH_TOKEN" in page and "(ReadTimeout)" in page, path
    assert 'id="token-alert"' not in text(anonymous.get("/console/login"))  # nothing to show anyone signed out
    tokens.clear_token_alert(store)
    assert 'id="token-alert"' not in text(client.get("/console/"))
