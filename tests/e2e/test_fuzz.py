"""Fuzz the running web process (the Procfile's gunicorn) with 2,400 seeded random and mutated webhook requests:
byte flips, truncations, wrong types, huge and deeply nested bodies, odd unicode, wrong content types, missing, bad and
valid signatures over junk. Not one 5xx, and no traceback in its log."""
from __future__ import annotations

import http.client
import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from bot.zalo.signature import sign
from tests.conftest import REDIS_URL
from tests.fault_stack import APP_ID, OA_SECRET, base_env
from tests.procs import Proc, free_port, now_ms, procfile_argv

SEED = 20261128
REQUESTS = 2400
THREADS = 4
LIMIT = 64 * 1024
REFUSED = -413  # an oversized upload cut off by the server before any answer could be read
ODD = ["\u202e", "\ufeff", "\u0000", "\uffff", "\u200d", "👩‍👩‍👧", "\u0301" * 50, "ǅ", "𝔘", "\\ud800", "\\udfff",
       "Điều 81", "nghỉ thai sản", "Đ\u0300", "\r\n", "\t", "\"", "\\", "<script>", "'; DROP TABLE", "%s%n"]
CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "text/plain", None,
                 "multipart/form-data; boundary=xyz", "application/x-www-form-urlencoded", "application/octet-stream",
                 "application/json; charset=latin-1"]
NAMES = ["user_send_text", "user_send_image", "user_send_sticker", "follow", "unfollow", "oa_send_text",
         "user_seen_message", "user_send_location", "user_submit_info", "nonsense"]


def base_event(rnd: random.Random) -> dict[str, Any]:
    """A plausible Zalo event."""
    name = rnd.choice(NAMES)
    event: dict[str, Any] = {"app_id": APP_ID, "event_name": name, "timestamp": now_ms(),
                             "user_id_by_app": str(rnd.getrandbits(60))}
    uid = str(rnd.getrandbits(62))
    if name in ("follow", "unfollow"):
        event.update(follower={"id": uid}, oa_id="579745863508352884", source="oa_profile")
    else:
        text = "".join(rnd.choice(ODD) if rnd.random() < 0.3 else rnd.choice("abc đêô ?1") for _ in range(20))
        event.update(sender={"id": uid}, recipient={"id": "579745863508352884"},
                     message={"text": text, "msg_id": f"fz{rnd.getrandbits(64):x}"})
    return event


def junk_value(rnd: random.Random, depth: int = 0) -> Any:
    """A random JSON value of any type."""
    makers = [lambda: None, lambda: True, lambda: rnd.randint(-10**20, 10**20), lambda: rnd.random() * 1e300,
              lambda: "", lambda: rnd.choice(ODD), lambda: 10 ** rnd.randrange(20, 400),
              lambda: [junk_value(rnd, depth + 1) for _ in range(rnd.randrange(4))],
              lambda: {rnd.choice(["id", "text", "msg_id", "x"]): junk_value(rnd, depth + 1)
                       for _ in range(rnd.randrange(4))}]
    return makers[rnd.randrange(len(makers) if depth < 3 else len(makers) - 2)]()


def mutate(rnd: random.Random, event: dict[str, Any]) -> bytes:
    """The event's body after one random mutation (or none)."""
    kind = rnd.randrange(11)
    if kind == 0:  # wrong types anywhere
        target = event
        path = rnd.choice([["timestamp"], ["event_name"], ["sender"], ["sender", "id"], ["message"],
                           ["message", "text"], ["message", "msg_id"], ["follower", "id"], ["app_id"]])
        for key in path[:-1]:
            if not isinstance(target.get(key), dict):
                target[key] = {}
            target = target[key]
        target[path[-1]] = junk_value(rnd)
    elif kind == 1:  # huge text, both sides of the 64 KiB limit
        event.setdefault("message", {})["text"] = "ư" * rnd.randrange(20_000, 40_000)
    elif kind == 2:  # deep nesting
        depth = rnd.choice([50, 900, 1100, 5000, 30_000])
        return json.dumps(event)[:-1].encode() + b', "deep": ' + b"[" * depth + b"]" * depth + b"}"
    elif kind == 3:  # a field dropped
        event.pop(rnd.choice(sorted(event)), None)
    elif kind == 4:  # not an object
        return json.dumps(junk_value(rnd)).encode()
    body = json.dumps(event, ensure_ascii=rnd.random() < 0.5).encode()
    if kind == 5:  # byte flips
        data = bytearray(body)
        for _ in range(rnd.randrange(1, 6)):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
        return bytes(data)
    if kind == 6:  # truncation
        return body[:rnd.randrange(len(body))]
    if kind == 7:  # raw bytes
        return rnd.randbytes(rnd.randrange(0, 3000))
    if kind == 8:  # invalid UTF-8 spliced in
        cut = rnd.randrange(len(body))
        return body[:cut] + rnd.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00"]) + body[cut:]
    if kind == 9:  # JSON escapes of lone surrogates and controls inside strings
        escape = rnd.choice([b"\\ud800", b"\\udfff", b"\\udc00\\ud800", b"\\u0000", b"\\ud83d\\ude00"])
        return body.replace(b'"text": "', b'"text": "' + escape).replace(b'"msg_id": "', b'"msg_id": "' + escape)
    return body


def signature(rnd: random.Random, body: bytes, event: dict[str, Any]) -> tuple[dict[str, bytes], str]:
    """Headers for the signature: valid over the final body, stale, bad, odd or missing; and what was done."""
    ts = str(event.get("timestamp", now_ms()))
    kind = rnd.randrange(8)
    if kind <= 2:
        return {"X-ZEvent-Signature": sign(APP_ID, body, ts, OA_SECRET).encode()}, "valid"
    if kind == 3:  # header timestamp, sometimes in seconds or far off
        header_ts = rnd.choice([now_ms(), str(int(time.time())), "1", "-5", "abc", "9" * 30])
        return {"X-ZEvent-Timestamp": header_ts.encode(),
                "X-ZEvent-Signature": sign(APP_ID, body, header_ts, OA_SECRET).encode()}, "header-ts"
    if kind == 4:
        return {}, "missing"
    bad = rnd.choice([b"mac=" + b"0" * 64, b"mac=", b"", b"mac=" + rnd.randbytes(32).hex().encode(),
                      "mac=đ".encode(), b"\xff\xfe", b"mac=" + b"a" * 7000, b"MAC=" + b"f" * 64])
    return {"X-ZEvent-Signature": bad}, "bad"


def build_request(rnd: random.Random) -> tuple[str, str, bytes, dict[str, bytes], bool]:
    """(method, path, body, headers, chunked) for one fuzz case."""
    event = base_event(rnd)
    body = mutate(rnd, json.loads(json.dumps(event)))
    headers, _ = signature(rnd, body, event)
    content_type = rnd.choice(CONTENT_TYPES)
    if content_type:
        headers["Content-Type"] = content_type.encode()
    method, path = "POST", "/zalo/webhook"
    if rnd.random() < 0.04:
        method, path = rnd.choice([("GET", "/zalo/webhook"), ("PUT", "/zalo/webhook"), ("POST", "/zalo/webhook/"),
                                   ("POST", "/zalo/webhook?x=%ff"), ("POST", "/admin/deadletters"),
                                   ("DELETE", "/zalo/webhook"), ("POST", "/zalo/%2e%2e/webhook")])
    return method, path, body, headers, rnd.random() < 0.05


def send(conn: http.client.HTTPConnection, method: str, path: str, body: bytes, headers: dict[str, bytes],
         chunked: bool) -> int:
    """One request on a connection; its status."""
    conn.putrequest(method, path, skip_accept_encoding=True)
    for name, value in headers.items():
        conn.putheader(name, value)
    try:
        if chunked:
            conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            for start in range(0, len(body), 4096):
                piece = body[start:start + 4096]
                conn.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            conn.send(b"0\r\n\r\n")
        else:
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
    except OSError:
        if len(body) <= LIMIT:
            raise
        # an oversized upload may be answered (413) and cut off before we finish sending: read that answer
    resp = conn.getresponse()
    resp.read()
    return resp.status


def fire(port: int, seed: int, count: int) -> list[tuple[int, str]]:
    """Send `count` cases on keep-alive connections; (status, description) of each (0: no answer at all)."""
    rnd = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    results = []
    for _ in range(count):
        method, path, body, headers, chunked = build_request(rnd)
        described = f"{method} {path} {len(body)}B chunked={chunked}"
        status = 0
        for fresh in (False, True):
            if fresh:
                conn.close()  # a keep-alive connection the server had closed: retry once, as HTTP clients do
            try:
                status = send(conn, method, path, body, headers, chunked)
                break
            except (http.client.HTTPException, OSError) as exc:
                described += f" {type(exc).__name__}"
                if len(body) > LIMIT and isinstance(exc, (BrokenPipeError, ConnectionResetError)):
                    status = REFUSED  # the server would not take the oversized upload; nothing else to see
                    break
        results.append((status, described))
        if status not in (200, 400, 401) or len(body) > LIMIT:
            # the body was refused unread (413 before reading, 404/405): gunicorn drops such connections
            conn.close()
    conn.close()
    return results


@pytest.fixture
def web(redis_client: Any, tmp_path: Path) -> Any:
    """The Procfile's gunicorn web on a spare port, Redis db TEST_REDIS_URL, no worker."""
    port = free_port()
    env = base_env(REDIS_URL=REDIS_URL, LAWS_DIR=str(tmp_path / "laws"), ZALO_API_BASE="http://127.0.0.1:9",
                   ZALO_OAUTH_BASE="http://127.0.0.1:9")
    proc = Proc("web", procfile_argv("web", port), env, tmp_path).start()
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                break
        except OSError:
            pass
        assert proc.alive() and time.monotonic() < deadline, proc.describe()
        time.sleep(0.1)
    yield port, proc
    proc.stop()


def test_fuzzed_webhook_requests_never_5xx(web: Any) -> None:
    port, proc = web
    with ThreadPoolExecutor(THREADS) as pool:
        chunks = pool.map(fire, [port] * THREADS, [SEED + i for i in range(THREADS)],
                          [REQUESTS // THREADS] * THREADS)
        results = [r for chunk in chunks for r in chunk]
    statuses = [status for status, _ in results]
    assert len(results) == REQUESTS >= 2000
    server_errors = [r for r in results if r[0] >= 500]
    assert not server_errors, server_errors[:10]
    assert statuses.count(0) == 0, [r for r in results if r[0] == 0][:10]
    # the mix reached every branch: accepted, malformed, unsigned and oversized bodies
    assert statuses.count(REFUSED) <= REQUESTS // 100
    for status in (200, 400, 401, 413):
        assert statuses.count(status) >= 20, {s: statuses.count(s) for s in set(statuses)}
    log = proc.log_text()
    assert "Traceback" not in log and "Error handling request" not in log, log[-3000:]
    assert proc.alive()
