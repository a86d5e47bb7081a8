"""/admin/cards, /admin/questions, /admin/teach over real Redis and a real corpus directory: bearer auth, JSON
and YAML imports, edits, retire, review, teaching that the next search answers with, audit."""
from __future__ import annotations

import io

import pytest
import yaml

from bot import create_app
from bot.conversation.answering import Answerer
from bot.knowledge.library import load_library
from bot.store import stats
from bot.store.redis_state import RedisStateStore
from tests.broadcast_helpers import ListQueue
from tests.conftest import SMALL_DECK

ENDPOINTS = [("GET", "/admin/cards"), ("GET", "/admin/cards/x"), ("POST", "/admin/cards"), ("PUT", "/admin/cards/x"),
             ("POST", "/admin/cards/x/retire"), ("POST", "/admin/cards/x/review"), ("GET", "/admin/questions"),
             ("POST", "/admin/teach")]


@pytest.fixture
def app(settings, card_laws_dir, redis_client):
    """The app on real Redis over the small card corpus (settings.laws_dir is card_laws_dir)."""
    assert settings.laws_dir == card_laws_dir
    return create_app(settings, store=RedisStateStore(redis_client), queue=ListQueue())


@pytest.fixture
def client(app):
    """A test client sending an official's own token (the audit log names her)."""
    from bot.officials import accounts

    store = app.extensions["zlb"].store
    accounts.add(store, "lan", "mat-khau-rat-dai", "editor")
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {accounts.issue_token(store, 'lan')}"
    return c


@pytest.mark.parametrize("method, path", ENDPOINTS)
def test_every_card_endpoint_needs_the_token(app, method: str, path: str) -> None:
    response = app.test_client().open(path, method=method, json={"cards": []},
                                      headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401


def test_import_yaml_list_show_edit_retire(client, app) -> None:
    upload = {"file": (io.BytesIO(SMALL_DECK.encode()), "small.yaml")}
    done = client.post("/admin/cards", data=upload, content_type="multipart/form-data")
    assert done.status_code == 200, done.json
    assert done.json["added"] == ["ket-hon-do-tuoi", "thai-san-thoi-gian-nghi"] and "2 thẻ mới" in done.json["text"]
    listed = client.get("/admin/cards").json["cards"]
    assert [c["id"] for c in listed] == done.json["added"] and not any(c["needs_review"] for c in listed)
    shown = client.get("/admin/cards/ket-hon-do-tuoi").json
    assert shown["articles"] == ["52/2014/QH13:8.1.a", "52/2014/QH13:8.1.b"] and shown["taught"] == []
    assert client.get("/admin/cards/khong-co").status_code == 404
    fields = {**yaml.safe_load(SMALL_DECK)[0], "title": "Mấy tuổi thì được cưới?"}
    edited = client.put("/admin/cards/ket-hon-do-tuoi", json=fields)
    assert edited.status_code == 200 and edited.json["changed"] == ["ket-hon-do-tuoi"]
    bad = client.put("/admin/cards/ket-hon-do-tuoi", json={**fields, "questions": ["một"]})
    assert bad.status_code == 400 and bad.json["problems"]
    retired = client.post("/admin/cards/thai-san-thoi-gian-nghi/retire")
    assert retired.status_code == 200 and retired.json["retired"] == ["thai-san-thoi-gian-nghi"]
    assert [c["id"] for c in client.get("/admin/cards?all=1").json["cards"] if c["retired"]] == [
        "thai-san-thoi-gian-nghi"]
    assert client.post("/admin/cards/khong-co/review").status_code == 400
    actions = [e["action"] for e in client.get("/admin/audit").json["entries"]]
    assert {"cards_import", "cards_retire", "view"} <= set(actions)
    assert all(e["actor"] == "lan" for e in client.get("/admin/audit").json["entries"]
               if e["action"].startswith("cards"))


def test_json_import_and_bad_bodies(client) -> None:
    done = client.post("/admin/cards", json={"cards": yaml.safe_load(SMALL_DECK), "source": "web"})
    assert done.status_code == 200 and len(done.json["added"]) == 2
    assert client.post("/admin/cards", json={"cards": []}).status_code == 400
    assert client.post("/admin/cards?filename=x.yaml", data=b"- [unclosed").status_code == 400
    assert client.post("/admin/cards", data="[1]", content_type="application/json").status_code == 400


def test_questions_and_teach(client, app, settings) -> None:
    client.post("/admin/cards", json={"cards": yaml.safe_load(SMALL_DECK)})
    store = app.extensions["zlb"].store
    question = "chồng cũ giành nuôi đứa nhỏ mới hai tuổi"
    stats.record_question(store, question, found=False)
    rows = client.get("/admin/questions").json["questions"]
    assert rows == [{"date": stats.day_of(), "kind": "unanswered", "query": question, "taught": ""}]
    taught = client.post("/admin/teach", json={"question": question, "article": "52/2014/QH13:81"})
    assert taught.status_code == 200 and taught.json["taught"] == 1
    assert client.post("/admin/teach", json={"question": question}).status_code == 400
    assert Answerer().answer(load_library(settings), question).keys[0] == "52/2014/QH13:81"
