"""bot.jobs.lawfetch: the scheduled `laws fetch` is queued once per period whatever the number of workers, runs in
the rq worker, and leaves its change report and an audit entry for officials."""
from __future__ import annotations

import pytest
from rq.job import Job
from rq.serializers import JSONSerializer

from bot.jobs import lawfetch
from bot.jobs.worker import BotWorker
from bot.officials import audit
from bot.officials import laws as law_admin
from bot.services import build_services
from bot.store.redis_state import RedisStateStore
from tests.conftest import REDIS_URL
from tests.phapdien_server import closed_port_url

HOUR = 3600.0


@pytest.fixture
def services(settings, redis_client, phapdien_site):
    """Real services on the test Redis; the fetch takes đề mục 8.2 (small) from the loopback site, hourly."""
    return build_services(settings.with_(redis_url=REDIS_URL, phapdien_url=phapdien_site.url, law_topics=("8.2",),
                                         law_fetch_interval_hours=1))


def test_due_once_per_period_across_workers(redis_client) -> None:
    one, two = RedisStateStore(redis_client), RedisStateStore(redis_client)  # two workers, one Redis
    assert not lawfetch.due(one, 1, now=1000.0)  # first sight: the period starts, nothing is due yet
    assert not lawfetch.due(two, 1, now=1000.0 + HOUR - 1)
    assert [lawfetch.due(s, 1, now=1000.0 + HOUR) for s in (one, two, one)] == [True, False, False]
    assert not lawfetch.due(two, 1, now=1000.0 + 2 * HOUR - 1)
    assert [lawfetch.due(s, 1, now=1000.0 + 2 * HOUR + 5) for s in (two, one)] == [True, False]
    assert not lawfetch.due(one, 0, now=1e12)  # 0 = off


def test_maintenance_queues_the_fetch_and_the_worker_runs_it(services, redis_client) -> None:
    store = services.store
    store.set_json(lawfetch.LAST_KEY, 0)  # the period began long ago
    workers = [BotWorker.for_queue(services.queue, services) for _ in range(2)]
    for worker in workers:
        worker.schedule_law_fetch()
    (job_id,) = services.queue.rq_queue.job_ids
    job = Job.fetch(job_id, connection=redis_client, serializer=JSONSerializer)
    assert job.func_name == lawfetch.FETCH_JOB and job.timeout == lawfetch.FETCH_TIMEOUT

    workers[0].work(burst=True)
    entry = audit.recent(store, 1)[0]
    assert (entry["actor"], entry["action"]) == (lawfetch.ACTOR, "laws_fetch")
    assert entry["details"]["status"] == "imported" and entry["details"]["topics"] == ["8.2"]
    assert store.get_json(law_admin.LAST_REPORT_KEY) == entry["details"]["report_id"]
    report = law_admin.load_report(store)[1]
    assert report.counts()["docs_added"] >= 1 and "73/2006/QH11" in {d.number for d in report.documents}


def test_a_failed_scheduled_fetch_is_recorded_for_officials(services) -> None:
    broken = build_services(services.settings.with_(phapdien_url=closed_port_url()))
    assert lawfetch.scheduled_fetch(services=broken) == "failed"
    entry = audit.recent(broken.store, 1)[0]
    assert entry["action"] == "laws_fetch_failed" and "cannot reach" in entry["details"]["error"]
    assert broken.store.get_json(law_admin.LAST_REPORT_KEY) is None
