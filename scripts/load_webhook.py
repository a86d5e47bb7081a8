"""Load the webhook: signed Zalo text events over keep-alive connections (asyncio), reporting sustained requests/s
and ack latency percentiles.

By default it starts what it measures: a private redis-server on a spare port and the Procfile's gunicorn web command
(no worker: the jobs just pile up in that throwaway Redis). With --url it loads a web that is already running (its
OA secret and app id must match --secret/--app-id).

    python scripts/load_webhook.py                       # open loop at 300 req/s for 20 s, then closed-loop max
    python scripts/load_webhook.py --rate 500 --duration 30
    python scripts/load_webhook.py --gunicorn "--workers 3 --threads 4"   # try other gunicorn settings
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "load-app"
SECRET = "load-oa-secret"


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request_bytes(host: str, path: str, n: int, app_id: str, secret: str) -> bytes:
    """One complete HTTP/1.1 request: a signed user_send_text with a fresh msg_id (so every one is queued)."""
    ts = str(int(time.time() * 1000))
    body = json.dumps({"app_id": app_id, "sender": {"id": f"load-user-{n % 5000}"}, "recipient": {"id": "oa"},
                       "event_name": "user_send_text", "timestamp": ts,
                       "message": {"text": "Nghỉ thai sản được mấy tháng?", "msg_id": f"load-{os.getpid()}-{n}"}},
                      ensure_ascii=False).encode()
    mac = hashlib.sha256(app_id.encode() + body + ts.encode() + secret.encode()).hexdigest()
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"X-ZEvent-Signature: mac={mac}\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> int:
    """Read one response; its status."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    await reader.readexactly(length)
    return int(status_line.split()[1])


async def run_load(url: str, rate: float, duration: float, connections: int, app_id: str,
                   secret: str) -> dict[str, Any]:
    """Open loop (rate > 0: each request has a send time, latency counted from it) or closed loop (rate 0)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = (parts.path.rstrip("/") or "") + "/zalo/webhook"
    total = int(rate * duration) if rate > 0 else int(duration * 3000)
    payloads = [request_bytes(f"{host}:{port}", path, n, app_id, secret) for n in range(total)]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    queue: asyncio.Queue[tuple[int, float]] = asyncio.Queue()
    counter = iter(range(total))
    start = time.perf_counter() + 0.2
    deadline = start + duration

    async def feeder() -> None:
        for n in range(total):
            when = start + n / rate
            delay = when - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            queue.put_nowait((n, when))
        for _ in range(connections):
            queue.put_nowait((-1, 0.0))

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        while True:
            if rate > 0:
                n, sent_at = await queue.get()
                if n < 0:
                    break
            else:
                sent_at = time.perf_counter()
                n = next(counter, -1)
                if sent_at >= deadline or n < 0:
                    break
            try:
                writer.write(payloads[n])
                status = await read_response(reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                status = 0
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
            latencies.append(time.perf_counter() - sent_at)
            statuses[status] = statuses.get(status, 0) + 1
        writer.close()

    workers = [connection() for _ in range(connections)]
    began = time.perf_counter()
    if rate > 0:
        await asyncio.gather(feeder(), *workers)
    else:
        await asyncio.sleep(max(0.0, start - time.perf_counter()))
        began = time.perf_counter()
        await asyncio.gather(*workers)
    elapsed = max(time.perf_counter() - max(began, start), 1e-9)
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000 if latencies else float("nan")

    return {"mode": f"open loop {rate:g}/s" if rate > 0 else f"closed loop, {connections} conns",
            "requests": len(latencies), "seconds": elapsed, "rps": len(latencies) / elapsed,
            "p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99), "max": latencies[-1] * 1000 if latencies else 0,
            "statuses": statuses}


class Stack:
    """A private redis-server and the Procfile's gunicorn web."""

    def __init__(self, gunicorn: str | None, redis_url: str | None) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="load-webhook-"))
        self.procs: list[subprocess.Popen[bytes]] = []
        if redis_url is None:
            if not shutil.which("redis-server"):
                raise SystemExit("redis-server not found: install it or pass --redis-url")
            rport = free_port()
            self.procs.append(subprocess.Popen(["redis-server", "--port", str(rport), "--bind", "127.0.0.1",
                                                "--save", "", "--appendonly", "no", "--dir", str(self.tmp)],
                                               stdout=subprocess.DEVNULL, start_new_session=True))
            redis_url = f"redis://127.0.0.1:{rport}/0"
        self.port = free_port()
        line = next(l for l in (ROOT / "Procfile").read_text().splitlines() if l.startswith("web:"))
        argv = shlex.split(line[4:].strip())
        options, given = [], iter(shlex.split(gunicorn) if gunicorn else argv[1:-1])
        for option in given:
            if option in ("--bind", "-b"):
                next(given, None)  # the Procfile binds 0.0.0.0:$PORT; the load stays on loopback
            elif not option.startswith("--bind="):
                options.append(option)
        self.command = ["gunicorn", "--bind", f"127.0.0.1:{self.port}", *options, argv[-1]]
        env = {**os.environ, "REDIS_URL": redis_url, "LAWS_DIR": str(self.tmp / "laws"), "ZALO_APP_ID": APP_ID,
               "ZALO_APP_SECRET": "load-app-secret", "ZALO_OA_SECRET_KEY": SECRET, "PYTHONPATH": str(ROOT)}
        self.log = open(self.tmp / "web.log", "wb")
        self.procs.append(subprocess.Popen([sys.executable, "-m", *self.command], cwd=ROOT, env=env,
                                           stdout=self.log, stderr=self.log, start_new_session=True))
        self.url = f"http://127.0.0.1:{self.port}"
        self._wait()

    def _wait(self) -> None:
        """Until /healthz answers."""
        import urllib.request

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"web did not start: see {self.tmp / 'web.log'}")

    def close(self) -> None:
        """Stop everything started."""
        for proc in reversed(self.procs):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def table(rows: list[dict[str, Any]]) -> str:
    """The results as a Markdown table."""
    lines = ["| mode | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | statuses |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        codes = ", ".join(f"{k}×{v}" for k, v in sorted(r["statuses"].items()))
        lines.append(f"| {r['mode']} | {r['requests']} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | "
                     f"{r['p99']:.1f} | {r['max']:.1f} | {codes} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the load and print the table; exit 1 when the target (rate at p99 ≤ --p99-ms, all 200) is missed."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="load this running web instead of starting one")
    parser.add_argument("--redis-url", help="Redis for the started web (default: a private redis-server)")
    parser.add_argument("--gunicorn", help="gunicorn options instead of the Procfile's, e.g. '--workers 3'")
    parser.add_argument("--rate", type=float, default=300.0, help="open-loop requests/s (default 300)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per run (default 20)")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections (default 32)")
    parser.add_argument("--no-max", action="store_true", help="skip the closed-loop maximum run")
    parser.add_argument("--p99-ms", type=float, default=100.0)
    parser.add_argument("--app-id", default=APP_ID)
    parser.add_argument("--secret", default=SECRET, help="the web's ZALO_OA_SECRET_KEY (with --url)")
    args = parser.parse_args(argv)
    stack = None if args.url else Stack(args.gunicorn, args.redis_url)
    url = args.url or stack.url  # type: ignore[union-attr]
    try:
        load_before = os.getloadavg()
        rows = [asyncio.run(run_load(url, args.rate, args.duration, args.connections, args.app_id, args.secret))]
        if not args.no_max:
            rows.append(asyncio.run(run_load(url, 0, args.duration, args.connections, args.app_id, args.secret)))
        load_after = os.getloadavg()
    finally:
        if stack is not None:
            stack.close()
    print(table(rows))
    print(f"\nmachine: {os.cpu_count()} CPUs, load average {load_before[0]:.2f} before / {load_after[0]:.2f} after "
          f"(1 min); web: {shlex.join(stack.command) if stack else url}")
    print("rerun: python " + shlex.join(["scripts/load_webhook.py", *(argv if argv is not None else sys.argv[1:])]))
    first = rows[0]
    ok = set(first["statuses"]) == {200} and first["p99"] <= args.p99_ms and first["rps"] >= 0.95 * args.rate
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
