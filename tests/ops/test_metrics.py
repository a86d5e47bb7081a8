"""Metrics: webhook outcomes, queue depth, job latency, Zalo calls by error code, search latency, no-match answers;
summed over gunicorn's workers and the separate rq worker (multiprocess mode) under the Procfile's command."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
from prometheus_client import REGISTRY

from bot.ops import metrics, multiproc
from bot.ops.settings import Settings
from tests.conftest import REDIS_URL, ROOT
from tests.ops_stack import USER, Stack, follow_event, signed, stack, text_event  # noqa: F401 - fixture
from tests.procs import GroupProc, free_port, process_env, procfile_argv, wait_ready


def value(name: str, **labels: str) -> float:
    """A sample of this process's registry (0 when absent)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scrape_value(text: str, name: str, **labels: str) -> float:
    """A sample from Prometheus text (0 when absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#") or " " not in line:
            continue
        series, _, sample = line.rpartition(" ")
        metric, _, rest = series.partition("{")
        found = ",".join(sorted(rest.rstrip("}").split(","))) if rest else ""
        if metric == name and found == want:
            return float(sample)
    return 0.0


def test_webhook_outcomes_are_counted(stack: Stack) -> None:
    before = {o: value("zlb_webhook_requests_total", outcome=o) for o in metrics.WEBHOOK_OUTCOMES}
    client = stack.app.test_client()
    client.post("/zalo/webhook", data=b"x" * (stack.settings.webhook_max_bytes + 1))
    client.post("/zalo/webhook", data=b"{}")
    body, headers = signed(stack.settings, text_event(USER, "hỏi"))
    client.post("/zalo/webhook", data=body, headers={**headers, "X-ZEvent-Signature": "mac=" + "0" * 64})
    client.post("/zalo/webhook", data=b"not json", headers=headers)
    stale = text_event(USER, "hỏi")
    stale["timestamp"] = str(int(time.time() * 1000) - 2 * 3600 * 1000)
    stack.post(stale)
    event = text_event(USER, "hỏi")
    stack.post(event)
    stack.post(event)
    stack.post({**event, "event_name": "user_seen_message"})
    delta = {o: value("zlb_webhook_requests_total", outcome=o) - before[o] for o in metrics.WEBHOOK_OUTCOMES}
    assert delta == {"ok": 1, "duplicate": 1, "ignored": 1, "unsigned": 1, "forged": 1, "malformed": 1,
                     "too_large": 1, "stale": 1, "store_unavailable": 0, "queue_unavailable": 0}


def test_metrics_endpoint_shows_the_queue_and_the_jobs(stack: Stack) -> None:
    jobs = value("zlb_jobs_total", result="done")
    latency = value("zlb_job_latency_seconds_count")
    searches = value("zlb_search_seconds_count")
    no_match = value("zlb_answers_no_match_total")
    calls_ok = value("zlb_zalo_api_calls_total", endpoint="/v3.0/oa/message/cs", error="0")
    calls_gone = value("zlb_zalo_api_calls_total", endpoint="/v3.0/oa/message/cs", error="-213")
    # two users: a second message of the same user soon after may also be searched with the one before it
    for i, said in enumerate(("nghỉ thai sản mấy tháng", "qwerty asdf zxcv")):
        stack.say(said, user=f"asker-{i}")
    stack.say("xin chào", user="gone-user")
    page = stack.app.test_client().get("/metrics")
    assert page.status_code == 200 and page.mimetype == "text/plain"
    assert scrape_value(page.get_data(as_text=True), "zlb_queue_depth", state="queued") == 3
    stack.fake.fail_calls(-213, users=["gone-user"])
    stack.work()
    text = stack.app.test_client().get("/metrics").get_data(as_text=True)
    assert scrape_value(text, "zlb_queue_depth", state="queued") == 0
    assert value("zlb_jobs_total", result="done") - jobs == 3
    assert value("zlb_job_latency_seconds_count") - latency == 3
    assert value("zlb_search_seconds_count") - searches == 2
    assert value("zlb_answers_no_match_total") - no_match == 1
    assert value("zlb_zalo_api_calls_total", endpoint="/v3.0/oa/message/cs", error="0") - calls_ok == 2
    assert value("zlb_zalo_api_calls_total", endpoint="/v3.0/oa/message/cs", error="-213") - calls_gone == 1
    for name in ("zlb_webhook_requests_total", "zlb_job_latency_seconds_bucket", "zlb_zalo_api_calls_total",
                 "zlb_search_seconds_bucket", "zlb_answers_no_match_total", "zlb_queue_depth"):
        assert name in text, name


def test_metrics_answer_while_redis_is_down(settings: Settings) -> None:
    from bot import create_app
    from bot.jobs.queue import RqJobQueue
    from bot.store.redis_state import RedisStateStore, connect_redis

    down = connect_redis("redis://127.0.0.1:1/0")
    app = create_app(settings, store=RedisStateStore(down), queue=RqJobQueue(down), library=object())
    page = app.test_client().get("/metrics")
    assert page.status_code == 200 and b"zlb_webhook_requests_total" in page.data


def test_default_metrics_folder_is_shared_by_one_deployment(tmp_path: Path) -> None:
    web, worker = Settings(redis_url="redis://h:1/0"), Settings(redis_url="redis://h:1/0")
    assert multiproc.default_dir(web) == multiproc.default_dir(worker)
    assert multiproc.default_dir(web) != multiproc.default_dir(Settings(redis_url="redis://h:1/1"))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / f"counter_{dead.stdout.strip()}.db").write_bytes(b"")
    (tmp_path / f"counter_{os.getpid()}.db").write_bytes(b"")
    assert multiproc.clean_dead(tmp_path) == 1
    assert [p.name for p in tmp_path.iterdir()] == [f"counter_{os.getpid()}.db"]


# --- gunicorn (Procfile) + `python -m bot worker`: one /metrics for every process ---------------------------------
@pytest.fixture
def processes(tmp_path: Path, redis_client: Any) -> Iterator[dict[str, Any]]:
    """The web (Procfile, 2 gunicorn workers) and the worker, with a fake Zalo; stopped afterwards."""
    from tests.fake_zalo import FakeZalo

    fake = FakeZalo().start()
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    env = process_env(PYTHONPATH=str(ROOT), REDIS_URL=REDIS_URL, LAWS_DIR=str(tmp_path / "laws"),
                      ZALO_APP_ID="app-test", ZALO_APP_SECRET="app-secret-test", ZALO_OA_SECRET_KEY="oa-secret-test",
                      ZALO_ACCESS_TOKEN="access-0", ZALO_REFRESH_TOKEN="refresh-0", ZALO_API_BASE=fake.base_url,
                      ZALO_OAUTH_BASE=fake.base_url, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))
    procs = {"web": GroupProc("web", procfile_argv("web", port), env, tmp_path),
             "worker": GroupProc("worker", procfile_argv("worker"), env, tmp_path)}
    base = f"http://127.0.0.1:{port}"
    try:
        for proc in procs.values():
            proc.start()
        wait_ready(base, [procs["web"]], timeout=60, path="/healthz")
        yield {"base": base, "fake": fake, "logs": tmp_path, "dir": metrics_dir, "procs": procs}
    finally:
        for proc in procs.values():
            proc.stop(30)
        fake.stop()


def test_one_metrics_page_for_every_process(processes: dict[str, Any]) -> None:
    base = processes["base"]
    settings = Settings(zalo_app_id="app-test", zalo_oa_secret_key="oa-secret-test")
    session = requests.Session()
    for _ in range(40):  # spread over both gunicorn workers
        assert requests.post(base + "/zalo/webhook", data=b"{}", timeout=5).status_code == 401
    body, headers = signed(settings, follow_event(USER))
    assert session.post(base + "/zalo/webhook", data=body, headers=headers, timeout=5).status_code == 200
    assert processes["fake"].wait_for(lambda msgs: len(msgs) >= 1, timeout=60), \
        (processes["logs"] / "worker.log").read_text()[-3000:]
    deadline = time.monotonic() + 30
    while True:  # the worker records the job right after the send returns
        text = session.get(base + "/metrics", timeout=5).text
        if scrape_value(text, "zlb_jobs_total", result="done") >= 1:
            break
        assert time.monotonic() < deadline, text
        time.sleep(0.1)
    for _ in range(6):  # whichever worker answers, the sums are the same
        text = session.get(base + "/metrics", timeout=5).text
        assert scrape_value(text, "zlb_webhook_requests_total", outcome="unsigned") == 40
        assert scrape_value(text, "zlb_webhook_requests_total", outcome="ok") == 1
        assert scrape_value(text, "zlb_zalo_api_calls_total", endpoint="/v3.0/oa/message/cs", error="0") == 1
        assert scrape_value(text, "zlb_job_latency_seconds_count") == 1
    pids = {int(m.group(1)) for m in (re.search(r"_(\d+)\.db$", p.name) for p in processes["dir"].iterdir()) if m}
    assert len(pids) >= 3, pids  # two gunicorn workers and the rq worker wrote samples
    # every line both processes wrote is one JSON object, gunicorn's own included
    for name in ("web", "worker"):
        lines = [x for x in (processes["logs"] / f"{name}.log").read_text().splitlines() if x.strip()]
        assert lines and all(json.loads(x)["level"] for x in lines), name
        assert USER not in "\n".join(lines)
