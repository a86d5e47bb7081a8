"""/console/cards and /console/questions over real Redis and a real $LAWS_DIR: list, create, preview, refuse, retire,
flag after a law change with the diff, review, teach; every change under the official's name."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot import create_app
from bot.knowledge.importing import import_sources
from bot.officials import accounts, audit
from bot.officials import cards as card_admin
from bot.officials import laws as law_admin
from bot.store import stats
from bot.store.redis_state import RedisStateStore
from tests.broadcast_helpers import ListQueue, ScriptedZalo
from tests.web.test_console import PASSWORD, login, token
from tests.web.test_admin_laws import changed

EXTRACT = "laws/text/luat-bao-hiem-xa-hoi-2024-trich-che-do-thai-san.txt"
NEW_CARD = {"id": "thai-san-tro-cap-mot-lan", "topic": "lao-dong-nu", "title": "Trợ cấp một lần khi sinh con",
            "questions": "Sinh con được trợ cấp một lần bao nhiêu?\ntro cap mot lan khi sinh con\n"
                         "sinh em bé có được tiền không\nduoc bao nhieu tien khi sinh con\n"
                         "Trợ cấp khi sinh con là gì?\nSinh con thì bảo hiểm cho tiền không ạ?",
            "answer": "Khi sinh con, chị được trợ cấp một lần cho mỗi con theo Luật Bảo hiểm xã hội.",
            "articles": "41/2024/QH15:58", "next_steps": "social_insurance"}


@pytest.fixture
def parts(settings: Any, redis_client: Any, shared_dir: Path) -> tuple[Any, Any, Any]:
    """An app whose corpus holds the social insurance extract and a card citing Điều 53; an editor."""
    settings = settings.with_(secret_key="s" * 40)
    import_sources(settings, [str(shared_dir / EXTRACT)])
    store = RedisStateStore(redis_client)
    card = {"id": "thai-san-nghi-sinh", "topic": "lao-dong-nu", "title": "Nghỉ sinh con được bao lâu?",
            "questions": ["Nghỉ sinh được mấy tháng?", "nghi sinh duoc may thang", "sinh con nghỉ bao lâu",
                          "nghi thai san bao lau", "Thời gian nghỉ thai sản là bao lâu?", "Được nghỉ đẻ mấy tháng?"],
            "answer": "Chị được nghỉ thai sản trước và sau khi sinh con là 6 tháng.",
            "articles": ["41/2024/QH15:53.1"]}
    card_admin.import_entries(settings, store, [("thai-san.yaml", card)], "cli")
    app = create_app(settings, store=store, queue=ListQueue(), zalo=ScriptedZalo())
    accounts.add(store, "hoa", PASSWORD, "editor")
    return app, store, settings


def test_the_list_shows_each_card_and_its_state(parts: Any) -> None:
    page = login(parts[0]).get("/console/cards").get_data(as_text=True)
    assert "Nghỉ sinh con được bao lâu?" in page and "Đang dùng" in page and "Chờ xem lại" not in page


def test_a_card_is_previewed_as_zalo_shows_it_then_saved_under_her_name(parts: Any) -> None:
    app, store, settings = parts
    client = login(app)
    csrf = token(client, "/console/cards/new")
    form = {**NEW_CARD, "csrf_token": csrf}
    shown = client.post("/console/cards", data={**form, "action": "preview"}).get_data(as_text=True)
    assert 'class="zalo-text"' in shown and NEW_CARD["answer"] in shown and "Điều 58" in shown
    assert card_admin.show_card(settings, NEW_CARD["id"]) is None  # a preview saves nothing
    saved = client.post("/console/cards", data={**form, "action": "save"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(NEW_CARD["id"])
    card = card_admin.show_card(settings, NEW_CARD["id"])
    assert card["answer"] == NEW_CARD["answer"] and card["next_steps"] == ["social_insurance"]
    assert len(card["questions"]) == 6
    entry = audit.recent(store, 1)[0]
    assert entry["actor"] == "hoa" and entry["action"] == "cards_import" and NEW_CARD["id"] in entry["details"]["added"]


def test_a_card_with_problems_is_refused_with_them_listed(parts: Any) -> None:
    app, _, settings = parts
    client = login(app)
    bad = {**NEW_CARD, "questions": "chỉ một câu", "articles": "khong-phai-dieu-luat",
           "csrf_token": token(client, "/console/cards/new"), "action": "save"}
    response = client.post("/console/cards", data=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="card-problems"' in page and "chỉ một câu" in page
    assert card_admin.show_card(settings, NEW_CARD["id"]) is None


def test_a_card_is_retired_from_its_page(parts: Any) -> None:
    app, _, settings = parts
    client = login(app)
    client.post("/console/cards/thai-san-nghi-sinh/retire", data={"csrf_token": token(client, "/console/cards")})
    assert card_admin.show_card(settings, "thai-san-nghi-sinh")["retired"] is True
    assert 'href="/console/cards/thai-san-nghi-sinh"' not in client.get("/console/cards").get_data(as_text=True)


def test_after_a_law_change_the_card_is_flagged_with_the_article_diff_then_reviewed(parts: Any, shared_dir: Path,
                                                                                  tmp_path: Path) -> None:
    app, store, settings = parts
    amended = tmp_path / "bhxh.txt"
    amended.write_text(changed((shared_dir / EXTRACT).read_text(encoding="utf-8")), encoding="utf-8")
    law_admin.import_documents(settings, store, [str(amended)])
    client = login(app)
    listing = client.get("/console/cards").get_data(as_text=True)
    assert "Chờ xem lại" in listing and 'id="flagged-count">1<' in listing
    page = client.get("/console/cards/thai-san-nghi-sinh").get_data(as_text=True)
    assert 'id="review"' in page and "Thay đổi của 41/2024/QH15:53" in page and "[-06-] {+07+} tháng" in page
    client.post("/console/cards/thai-san-nghi-sinh/review", data={"csrf_token": token(client, "/console/cards")})
    assert not card_admin.show_card(settings, "thai-san-nghi-sinh")["needs_review"]  # read, checked, used again
    assert audit.recent(store, 1)[0]["action"] == "cards_review" and audit.recent(store, 1)[0]["actor"] == "hoa"


def test_an_unanswered_question_is_taught_from_its_row(parts: Any) -> None:
    app, store, settings = parts
    stats.record_question(store, "qwzx plorb vutnik", [], False)
    client = login(app)
    rows = client.get("/console/questions").get_data(as_text=True)
    assert "qwzx plorb vutnik" in rows and "Chưa trả lời được" in rows
    link = re.search(r'href="(/console/questions/teach\?q=[^"]+)"', rows).group(1)
    form = client.get(link.replace("&amp;", "&") + "&search=trợ cấp thai sản").get_data(as_text=True)
    keys = re.findall(r'value="article:([^"]+)"', form)
    assert "41/2024/QH15:58" in keys or "41/2024/QH15:50" in keys
    response = client.post("/console/questions/teach", data={"question": "qwzx plorb vutnik",
                                                             "target": f"article:{keys[0]}",
                                                             "csrf_token": token(client, "/console/questions")})
    assert response.status_code == 302
    taught = card_admin.questions(settings, store)
    assert [q["taught"] for q in taught if q["query"] == "qwzx plorb vutnik"] == [f"article:{keys[0]}"]
    assert audit.recent(store, 1)[0]["actor"] == "hoa"
    picked = client.post("/console/questions/teach", data={"question": "nghỉ sinh mấy tháng vậy",
                                                           "card_pick": "thai-san-nghi-sinh",
                                                           "csrf_token": token(client, "/console/questions")})
    assert picked.status_code == 302
    assert "nghỉ sinh mấy tháng vậy" in card_admin.show_card(settings, "thai-san-nghi-sinh")["taught"]


@pytest.mark.parametrize("articles, flash", [
    ("13/2022/QH15:3", "Thẻ chờ xem lại: kho luật chưa có văn bản 13/2022/QH15"),
    ("41/2024/QH15:58\n13/2022/QH15:3", "Thẻ chờ xem lại: kho luật chưa có văn bản 13/2022/QH15"),
    ("41/2024/QH15:999", "Thẻ chờ xem lại: 41/2024/QH15:999"),
])
def test_a_card_saved_citing_a_law_not_imported_yet_is_said_to_wait(parts: Any, articles: str, flash: str) -> None:
    app, _, settings = parts
    client = login(app)
    form = {**NEW_CARD, "articles": articles, "csrf_token": token(client, "/console/cards/new"), "action": "save"}
    saved = client.post("/console/cards", data=form, follow_redirects=True)
    assert saved.status_code == 200 and flash in saved.get_data(as_text=True)
    assert card_admin.show_card(settings, NEW_CARD["id"])["needs_review"] is True
    listing = client.get("/console/cards").get_data(as_text=True)
    assert 'id="flagged-count">1<' in listing
