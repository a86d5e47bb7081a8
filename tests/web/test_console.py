"""The console's door over real Redis: SECRET_KEY, anonymous visits, CSRF on every form, cookie flags, sign-out and
expiry, slowed guessing that locks nobody else out, roles, audit under the official's name, pages from services."""
from __future__ import annotations

import re
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest

from bot import create_app
from bot.knowledge.importing import import_sources
from bot.officials import accounts, audit, signin
from bot.store import stats, subscriptions
from bot.store.redis_state import RedisStateStore
from tests.broadcast_helpers import ListQueue, ScriptedZalo

ADMIN, EDITOR, PASSWORD = "lan", "hoa", "mat-khau-dai-2026"
GET_PAGES = ["/console/", "/console/laws", "/console/broadcasts", "/console/stats", "/console/questions",
             "/console/subscribers", "/console/audit", "/console/deadletters", "/console/officials",
             "/console/laws/changes/last", "/console/broadcasts/x"]


@pytest.fixture
def parts(settings: Any, redis_client: Any, shared_dir: Path) -> tuple[Any, Any, Any]:
    """An app on real Redis with a small corpus, an admin and an editor."""
    return console_app(settings, redis_client, shared_dir)


def console_app(settings: Any, redis_client: Any, shared_dir: Path) -> tuple[Any, Any, Any]:
    """(app, store, queue): an app on real Redis with a small corpus, an admin and an editor."""
    settings = settings.with_(secret_key="s" * 40)
    import_sources(settings, [str(shared_dir / "laws/text/luat-bao-hiem-xa-hoi-2024-trich-che-do-thai-san.txt")])
    store = RedisStateStore(redis_client)
    queue = ListQueue()
    app = create_app(settings, store=store, queue=queue, zalo=ScriptedZalo())
    accounts.add(store, ADMIN, PASSWORD, "admin")
    accounts.add(store, EDITOR, PASSWORD, "editor")
    return app, store, queue


def token(client: Any, path: str = "/console/login") -> str:
    """The CSRF token of a page's forms."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert found, path
    return found.group(1)


def login(app: Any, name: str = EDITOR, password: str = PASSWORD, addr: str = "10.0.0.1", client: Any = None) -> Any:
    """A test client signed in (or having tried to) from addr; the response is kept as client.last."""
    client = client or app.test_client()
    client.environ_base["REMOTE_ADDR"] = addr
    client.last = client.post("/console/login", data={"name": name, "password": password,
                                                       "csrf_token": token(client)})
    return client


def test_without_secret_key_the_console_answers_503_with_a_page(settings: Any, redis_client: Any) -> None:
    app = create_app(settings, store=RedisStateStore(redis_client), queue=ListQueue(), zalo=ScriptedZalo(),
                     library=object())
    for path in ("/console/", "/console/login"):
        response = app.test_client().get(path)
        assert response.status_code == 503 and "SECRET_KEY" in response.get_data(as_text=True)
        assert response.mimetype == "text/html"


@pytest.mark.parametrize("path", GET_PAGES)
def test_an_anonymous_visit_goes_to_sign_in(parts: Any, path: str) -> None:
    response = parts[0].test_client().get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/login?next=" + path


def test_the_progress_json_answers_401_not_a_page(parts: Any) -> None:
    assert parts[0].test_client().get("/console/broadcasts/x/progress.json").status_code == 401


def console_posts(app: Any) -> list[str]:
    """Every POST rule of the console, with sample values."""
    return sorted(re.sub(r"<[^>]+>", "0123456789abcdef", rule.rule) for rule in app.url_map.iter_rules()
                  if rule.endpoint.startswith("console.") and "POST" in (rule.methods or ()))


def test_every_console_form_needs_the_csrf_token(parts: Any) -> None:
    app, store, queue = parts
    client = login(app, ADMIN)
    assert client.last.status_code == 302
    posts = console_posts(app)
    assert len(posts) >= 14
    for path in posts:
        response = client.post(path, data={"text": "x", "name": "mai", "password": PASSWORD, "password2": PASSWORD,
                                           "number": "41/2024/QH15", "status": "expired"})
        assert response.status_code == 400, path
        assert "Biểu mẫu đã hết hạn" in response.get_data(as_text=True)
    assert queue.jobs == [] and accounts.get(store, "mai") is None
    assert client.get("/console/").status_code == 200  # still signed in: a refused form changes nothing


def test_sign_in_sets_a_session_cookie_httponly_lax_and_secure_only_over_https(parts: Any) -> None:
    app = parts[0]
    plain = login(app)
    assert plain.last.status_code == 302 and plain.last.headers["Location"] == "/console/"
    cookies = [SimpleCookie(h) for h in plain.last.headers.getlist("Set-Cookie")]
    session = next(c["zlb_console"] for c in cookies if "zlb_console" in c)
    assert session["httponly"] and session["samesite"] == "Lax" and session["path"] == "/console"
    assert not session["secure"] and session["expires"]
    # only a signed random id: read through the app's own serializer (the base64 text may hold "hoa" by chance)
    data = app.session_interface.get_signing_serializer(app).loads(session.value)
    assert set(data) <= {"_permanent", "sid", "csrf_token"} and "hoa" not in data.values()
    secure = app.test_client()
    secure.environ_base.update(REMOTE_ADDR="10.0.0.2")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"',
                     secure.get("/console/login", base_url="https://console.example").get_data(as_text=True))
    response = secure.post("/console/login", base_url="https://console.example",
                           headers={"Referer": "https://console.example/console/login"},
                           data={"name": EDITOR, "password": PASSWORD, "csrf_token": csrf.group(1)})
    assert response.status_code == 302
    assert all("Secure" in h for h in response.headers.getlist("Set-Cookie"))


def test_behind_a_trusted_https_proxy_the_cookie_is_secure(settings: Any, redis_client: Any) -> None:
    app = create_app(settings.with_(secret_key="s" * 40, trusted_proxy_hops=1), store=RedisStateStore(redis_client),
                     queue=ListQueue(), zalo=ScriptedZalo(), library=object())
    response = app.test_client().get("/console/login", headers={"X-Forwarded-Proto": "https",
                                                                "X-Forwarded-For": "203.0.113.9"})
    assert response.status_code == 200
    assert "Secure" in response.headers["Set-Cookie"]


def test_a_wrong_password_is_refused_and_audited(parts: Any) -> None:
    app, store, _ = parts
    client = login(app, password="not-the-password")
    assert client.last.status_code == 401
    assert "không đúng" in client.last.get_data(as_text=True)
    assert client.get("/console/laws").status_code == 302
    entry = audit.recent(store, 1)[0]
    assert entry["action"] == "console_signin_failed" and entry["actor"] == EDITOR
    assert PASSWORD not in str(audit.recent(store, 10)) and "not-the-password" not in str(audit.recent(store, 10))


@pytest.mark.parametrize("target, expected", [("/console/laws", "/console/laws"), ("//evil.example/x", "/console/"),
                                              ("https://evil.example/console/", "/console/"),
                                              ("/elsewhere", "/console/"), ("/console/stats?days=7",
                                                                            "/console/stats?days=7")])
def test_after_sign_in_only_console_paths_are_followed(parts: Any, target: str, expected: str) -> None:
    client = parts[0].test_client()
    response = client.post("/console/login", data={"name": EDITOR, "password": PASSWORD, "next": target,
                                                   "csrf_token": token(client)})
    assert response.headers["Location"] == expected


def test_sign_out_ends_the_session_even_for_a_copied_cookie(parts: Any) -> None:
    app = parts[0]
    client = login(app)
    stolen = client.get_cookie("zlb_console", path="/console").value
    assert client.post("/console/logout", data={"csrf_token": token(client, "/console/")}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("zlb_console", stolen, path="/console")
    assert thief.get("/console/").status_code == 302


@pytest.mark.parametrize("change", ["remove", "passwd"])
def test_removing_an_official_or_changing_her_password_ends_her_sessions(parts: Any, change: str) -> None:
    app, store, _ = parts
    client = login(app)
    assert client.get("/console/").status_code == 200
    if change == "remove":
        accounts.remove(store, EDITOR)
    else:
        accounts.set_password(store, EDITOR, "another-long-password")
    assert client.get("/console/").status_code == 302


def test_guesses_from_one_address_lock_that_address_only(parts: Any) -> None:
    app = parts[0]
    attacker = app.test_client()
    for _ in range(signin.PAIR_LIMIT):
        assert login(app, password="guess-guess", addr="198.51.100.7", client=attacker).last.status_code == 401
    refused = login(app, addr="198.51.100.7", client=attacker).last  # even the right password waits now
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert login(app, addr="10.0.0.5").last.status_code == 302  # the official at her own address gets in


def test_guesses_from_many_addresses_slow_new_browsers_but_not_hers(parts: Any) -> None:
    app, store, _ = parts
    hers = login(app, addr="10.0.0.9")  # she signed in from this browser before: it holds the device cookie
    assert hers.last.status_code == 302
    for i in range(signin.ACCOUNT_FREE):
        login(app, password="guess-guess", addr=f"203.0.113.{i}")
    newcomer = login(app, addr="203.0.113.200").last
    assert newcomer.status_code == 429  # an unknown browser waits, whatever it sends
    assert 0 < int(newcomer.headers["Retry-After"]) <= signin.DELAY_CAP
    hers.post("/console/logout", data={"csrf_token": token(hers, "/console/")})
    assert login(app, addr="10.0.0.9", client=hers).last.status_code == 302  # never a hard lock for her
    assert any(e["action"] == "console_signin_throttled" for e in audit.recent(store, 30))


def test_editors_do_not_manage_officials(parts: Any) -> None:
    app, store, _ = parts
    client = login(app)
    assert client.get("/console/officials").status_code == 403
    csrf = token(client, "/console/")
    response = client.post("/console/officials", data={"name": "mai", "password": PASSWORD, "password2": PASSWORD,
                                                       "csrf_token": csrf})
    assert response.status_code == 403 and accounts.get(store, "mai") is None


def test_an_admin_adds_and_removes_an_official_under_her_name(parts: Any) -> None:
    app, store, _ = parts
    client = login(app, ADMIN)
    csrf = token(client, "/console/officials")
    client.post("/console/officials", data={"name": "mai", "role": "editor", "password": PASSWORD,
                                            "password2": PASSWORD, "csrf_token": csrf})
    assert accounts.get(store, "mai") is not None
    client.post("/console/officials/mai/remove", data={"csrf_token": csrf})
    assert accounts.get(store, "mai") is None
    actions = [(e["actor"], e["action"], e["details"].get("via")) for e in audit.recent(store, 5)]
    assert (ADMIN, "officials_add", "console") in actions and (ADMIN, "officials_remove", "console") in actions


def test_the_home_page_shows_todays_figures_from_the_services(parts: Any) -> None:
    app, store, _ = parts
    stats.record_question(store, "nghỉ thai sản", ["41/2024/QH15:53"], True, ["lao-dong-nu"])
    stats.record_question(store, "qwzx plorb", [], False)
    subscriptions.subscribe(store, "84000000000000000001")
    subscriptions.subscribe(store, "84000000000000000001", ("tre-em",))  # not new: counted once
    page = login(app).get("/console/").get_data(as_text=True)
    figure = {k: re.search(rf'id="fig-{k}">([^<]*)<', page).group(1) for k in
              ("questions", "answered", "unanswered", "subscribers", "deadletters")}
    assert figure == {"questions": "2", "answered": "50%", "unanswered": "1", "subscribers": "1",
                      "deadletters": "0"}
    assert "Phiên bản <strong>000001</strong>" in page and "qwzx plorb" in page


def test_a_broadcast_from_the_console_is_queued_under_her_name(parts: Any) -> None:
    app, store, queue = parts
    client = login(app)
    csrf = token(client, "/console/broadcasts")
    confirm = client.post("/console/broadcasts", data={"text": "Tin mới", "audience": "subscribers", "topic": "",
                                                       "action": "confirm", "csrf_token": csrf})
    assert confirm.status_code == 200 and "Xác nhận gửi" in confirm.get_data(as_text=True)
    assert len(queue.jobs) == 1  # the dry run beside the confirmation
    sent = client.post("/console/broadcasts/send", data={"text": "Tin mới", "audience": "subscribers", "topic": "",
                                                         "csrf_token": csrf})
    assert sent.status_code == 302 and len(queue.jobs) == 2
    bid = sent.headers["Location"].rsplit("/", 1)[1]
    progress = client.get(f"/console/broadcasts/{bid}/progress.json").get_json()
    assert progress["state"] == "queued" and progress["dry_run"] is False and progress["actor"] == EDITOR
    bad = client.post("/console/broadcasts/send", data={"text": " ", "audience": "subscribers", "csrf_token": csrf})
    assert bad.status_code == 400 and len(queue.jobs) == 2


def test_a_broadcast_is_cancelled_from_its_page(parts: Any) -> None:
    app, store, queue = parts
    client = login(app)
    csrf = token(client, "/console/broadcasts")
    sent = client.post("/console/broadcasts/send", data={"text": "Tin mới", "audience": "subscribers",
                                                         "csrf_token": csrf})
    bid = sent.headers["Location"].rsplit("/", 1)[1]
    assert "Dừng gửi" in client.get(f"/console/broadcasts/{bid}").get_data(as_text=True)
    client.post(f"/console/broadcasts/{bid}/cancel", data={"csrf_token": csrf})
    assert client.get(f"/console/broadcasts/{bid}/progress.json").get_json()["state"] == "cancelled"
    assert ("hoa", "broadcast_cancel") in [(e["actor"], e["action"]) for e in audit.recent(store, 3)]


def test_status_and_rollback_from_the_laws_page(parts: Any) -> None:
    app, store, _ = parts
    client = login(app)
    csrf = token(client, "/console/laws")
    before = law_store(app).current_version()
    done = client.post("/console/laws/status", data={"number": "41/2024/QH15", "status": "expired",
                                                     "date": "01/01/2027", "csrf_token": csrf})
    assert done.status_code == 302 and "/console/laws/changes/" in done.headers["Location"]
    assert law_store(app).load().document("41/2024/QH15").status == "expired"
    assert "Hết hiệu lực" in client.get("/console/laws").get_data(as_text=True)
    client.post("/console/laws/rollback", data={"csrf_token": csrf})
    assert law_store(app).current_version() == before
    actions = [(e["actor"], e["action"]) for e in audit.recent(store, 5)]
    assert ("hoa", "laws_status") in actions and ("hoa", "laws_rollback") in actions


def test_the_laws_page_shows_what_the_library_covers_and_lacks(parts: Any) -> None:
    app, _, _ = parts
    page = login(app).get("/console/laws").get_data(as_text=True)
    section = page[page.index('id="coverage"'):]
    assert "Bảo hiểm xã hội" in section  # the one law imported here
    for missing in ("đất đai", "giao thông", "thuế"):
        assert f"<li>{missing}</li>" in section


def law_store(app: Any) -> Any:
    """The corpus store of the app's $LAWS_DIR."""
    from bot.officials.laws import corpus_store

    return corpus_store(app.extensions["zlb"].settings)
