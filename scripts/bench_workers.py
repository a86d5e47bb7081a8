"""Answered messages per second with 1, 2 and 4 `python -m bot worker` processes.

For each worker count it starts what it measures: a fresh private redis-server (AOF, fsync every second, as the
README's deployment section advises), the standalone fake Zalo API (answers at once: this measures the bot, not
Zalo), and N workers on a LAWS_DIR holding the Pháp điển đề mục files of ../shared (1,808 articles). Once every worker
listens, it accepts M messages exactly as the webhook does (bot.jobs.accept: mark, turn and job in one transaction):
real questions from ../shared/eval/dev.jsonl, two per user, so per-user ordering is part of the load. The clock runs
from the first accepted message to the last one answered (its done mark).

    python scripts/bench_workers.py                          # 1, 2, 4 workers, 400 messages each
    python scripts/bench_workers.py --workers 1,2 --messages 1000
    python scripts/bench_workers.py --laws /tmp/laws          # an existing LAWS_DIR instead of importing one
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("SHARED_DIR", ROOT.parent / "shared"))
APP_ID, APP_SECRET, OA_SECRET = "bench-app", "bench-app-secret", "bench-oa-secret"
ACCESS, REFRESH = "bench-access", "bench-refresh"


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def env_for(redis_url: str, laws: Path, zalo: str, metrics: Path) -> dict[str, str]:
    """The workers' environment (the developer's own bot settings left out)."""
    from bot.ops.settings import ENV_NAMES

    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    env.update(PYTHONPATH=str(ROOT), REDIS_URL=redis_url, LAWS_DIR=str(laws), ZALO_APP_ID=APP_ID,
               ZALO_APP_SECRET=APP_SECRET, ZALO_OA_SECRET_KEY=OA_SECRET, ZALO_ACCESS_TOKEN=ACCESS,
               ZALO_REFRESH_TOKEN=REFRESH, ZALO_API_BASE=zalo, ZALO_OAUTH_BASE=zalo, LOG_LEVEL="WARNING",
               RATE_LIMIT_PER_MINUTE="0", PROMETHEUS_MULTIPROC_DIR=str(metrics))
    return env


def start_redis(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A private redis-server; its process and URL once it answers."""
    import redis

    port = free_port()
    proc = subprocess.Popen([shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind",
                             "127.0.0.1", "--dir", str(folder), "--appendonly", "yes", "--appendfsync", "everysec",
                             "--save", ""], stdout=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            return proc, f"redis://127.0.0.1:{port}/0"
        except redis.RedisError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def start_fake(log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The standalone fake Zalo; its process and base URL."""
    proc = subprocess.Popen([sys.executable, "-m", "tests.fake_zalo", "--port", "0", "--app-id", APP_ID,
                             "--app-secret", APP_SECRET, "--access-token", ACCESS, "--refresh-token", REFRESH],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=open(log, "ab"))
    assert proc.stdout is not None
    return proc, f"http://127.0.0.1:{int(proc.stdout.readline())}"


def questions(count: int) -> list[str]:
    """Real questions from the dev set, repeated as needed."""
    rows = [json.loads(line)["question"] for line in (SHARED / "eval/dev.jsonl").read_text("utf-8").splitlines()
            if line.strip()]
    return [rows[i % len(rows)] for i in range(count)]


def run(workers: int, messages: int, laws: Path, tmp: Path) -> dict[str, Any]:
    """One measurement: N workers answering M accepted messages; the figures."""
    from bot.jobs.accept import accept
    from bot.ops.settings import Settings
    from bot.services import build_services
    from bot.zalo.events import TextMessage, event_to_dict

    folder = Path(tempfile.mkdtemp(prefix=f"bench-{workers}-", dir=tmp))
    (folder / "metrics").mkdir()
    redis_proc, redis_url = start_redis(folder)
    fake, zalo = start_fake(folder / "fake.log")
    env = env_for(redis_url, laws, zalo, folder / "metrics")
    logs = [folder / f"worker-{i}.log" for i in range(workers)]
    procs = [subprocess.Popen([sys.executable, "-m", "bot", "worker"], cwd=ROOT, env={**env, "LOG_LEVEL": "INFO"},
                              stdout=subprocess.DEVNULL, stderr=open(log, "ab")) for log in logs]
    try:
        deadline = time.monotonic() + 120
        while not all("Listening on" in log.read_text("utf-8", "replace") for log in logs):
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                raise RuntimeError("workers did not start: see " + str(folder))
            time.sleep(0.1)
        settings = Settings.from_env(env)
        services = build_services(settings)
        client = services.redis
        stamp = str(int(time.time() * 1000))
        events = [event_to_dict(TextMessage(f"bench-user-{i // 2}", f"bench-{workers}-{i}", text, stamp))
                  for i, text in enumerate(questions(messages))]
        started = time.monotonic()
        for event in events:
            assert accept(services, event, event["msg_id"], event["user_id"]) == "queued"
        accepted = time.monotonic()
        while sum(1 for _ in client.scan_iter("zlb:done:*", count=1000)) < messages:
            if time.monotonic() - started > 600:
                raise RuntimeError("not every message was answered in 10 minutes")
            time.sleep(0.05)
        finished = time.monotonic()
        sent = len(requests.get(f"{zalo}/_fake/state", timeout=30).json()["calls"])
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(30)
        fake.terminate()
        redis_proc.terminate()
        fake.wait(10)
        redis_proc.wait(10)
    seconds = finished - started
    return {"workers": workers, "messages": messages, "seconds": seconds, "per_second": messages / seconds,
            "accept_ms": 1000 * (accepted - started) / messages, "zalo_calls": sent}


def import_laws(tmp: Path) -> Path:
    """A LAWS_DIR with the Pháp điển đề mục files of ../shared."""
    laws = tmp / "laws"
    done = subprocess.run([sys.executable, "-m", "bot", "laws", "import", str(SHARED / "laws/phapdien/demuc")],
                          cwd=ROOT, env={**os.environ, "LAWS_DIR": str(laws), "REDIS_URL": ""},
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr)
    return laws


def main(argv: list[str] | None = None) -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--laws", type=Path, help="an existing LAWS_DIR (default: import ../shared's Pháp điển)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="zlb-bench-") as tmp:
        laws = args.laws or import_laws(Path(tmp))
        rows = [run(int(n), args.messages, laws, Path(tmp)) for n in args.workers.split(",")]
    print(f"answered messages per second, {os.cpu_count()} CPU cores; messages accepted as the webhook does, "
          f"two per user; fake Zalo answering at once")
    print()
    print("| workers | messages | seconds | answered/s | accept ms/msg | Zalo calls |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['workers']} | {r['messages']} | {r['seconds']:.1f} | {r['per_second']:.1f} | "
              f"{r['accept_ms']:.2f} | {r['zalo_calls']} |")
    print()
    print("rerun: python scripts/bench_workers.py " + " ".join(argv if argv is not None else sys.argv[1:]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
