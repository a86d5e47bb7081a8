"""The officials' console in a real browser (selenium driving Debian's chromium and chromium-driver, headless) against
the Procfile's gunicorn web and worker, a real Redis and the standalone fake Zalo API: one stack and one browser for
the module. Users reach the bot only through signed webhook events; officials only through the pages.

Screenshots (desktop 1280 px and phone 360 px) go to $CONSOLE_SCREENSHOTS (the README's docs/screenshots when
refreshed: `CONSOLE_SCREENSHOTS=docs/screenshots python -m pytest -q tests/e2e/test_console_browser.py`), else to
the test's temporary folder.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from bot.jobs import deadletters
from bot.officials import audit, law_uploads
from bot.store import stats, subscriptions
from bot.store.redis_state import RedisStateStore
from bot.zalo import tokens
from tests.conftest import ROOT, flushed_redis
from tests.e2e.test_admin_e2e import Stack, wait_until
from tests.e2e_helpers import NEW_VERSION_WITHIN, text_event

SECRET_KEY = "console-e2e-secret-key-9f3b1c7d2e"
ADMIN, ADMIN_PW = "lan.admin", "mat-khau-cua-lan-2026"
EDITOR, EDITOR_PW = "hoa", "mat-khau-cua-hoa-2026"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
BROWSER_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--no-first-run",
                 "--window-size=1280,900", "--lang=vi")
DESKTOP, PHONE = 1280, 360
SUBSCRIBERS = [f"86{i:017d}" for i in range(1, 7)]
ASKERS = [f"87{i:017d}" for i in range(1, 5)]
QUESTIONS = ["nghỉ thai sản được mấy tháng", "chồng đánh vợ thì bị xử lý thế nào",
             "qwzx plorb vutnik", "xin hỏi về tuổi kết hôn của nữ"]
PAGES = ["/console/", "/console/laws", "/console/broadcasts", "/console/stats", "/console/questions",
         "/console/cards", "/console/cards/new", "/console/subscribers", "/console/audit", "/console/deadletters",
         "/console/officials"]


class ConsoleStack(Stack):
    """The admin e2e stack with SECRET_KEY set (the console's cookies) and no reply retries (a failed send becomes a
    dead letter at once)."""

    def __init__(self, laws: Path, log_dir: Path) -> None:
        super().__init__(laws, log_dir)
        self.env.update(SECRET_KEY=SECRET_KEY, JOB_RETRY_INTERVALS="none")  # the Procs share this dict


@pytest.fixture(scope="module")
def redis_db() -> Iterator[Any]:
    """The test Redis db the processes use, flushed before and after the module."""
    yield from flushed_redis()


@pytest.fixture(scope="module")
def stack(real_laws_dir: Path, tmp_path_factory: pytest.TempPathFactory, redis_db: Any) -> Iterator[ConsoleStack]:
    """Fake Zalo, web and worker on a copy of the real corpus; two officials created with the command line."""
    root = tmp_path_factory.mktemp("console-e2e")
    laws = root / "laws"
    shutil.copytree(real_laws_dir, laws, symlinks=True)
    running = ConsoleStack(laws, root)
    try:
        cards = subprocess.run([sys.executable, "-m", "bot", "cards", "import", "bot/data/cards"], cwd=ROOT,
                               env=running.env, capture_output=True, text=True, timeout=300)
        assert cards.returncode == 0, cards.stderr
        running.start()
        for name, password, role in ((ADMIN, ADMIN_PW, "admin"), (EDITOR, EDITOR_PW, "editor")):
            done = subprocess.run([sys.executable, "-m", "bot", "officials", "add", name, "--role", role], cwd=ROOT,
                                  env=running.env, input=f"{password}\n{password}\n", text=True, capture_output=True,
                                  timeout=60)
            assert done.returncode == 0, done.stderr
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def store(redis_db: Any) -> RedisStateStore:
    """The store the processes share, read by the tests to compare pages with services."""
    return RedisStateStore(redis_db)


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    """One headless Chromium for the module."""
    for path in (CHROMIUM, CHROMEDRIVER):
        assert Path(path).exists(), f"{path} missing: apt-get install -y chromium chromium-driver"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in BROWSER_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go."""
    wanted = os.environ.get("CONSOLE_SCREENSHOTS")
    folder = (ROOT / wanted) if wanted and not Path(wanted).is_absolute() else Path(wanted or
                                                                                   tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --- helpers ---------------------------------------------------------------------------------------------------
def wait_for(driver: WebDriver, css: str, timeout: float = 20) -> Any:
    """The first element matching css once it is there."""
    return WebDriverWait(driver, timeout).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def wait_gone(driver: WebDriver, element: Any, timeout: float = 30) -> None:
    """Until the element has left the page (the next page replaced it). Chromium may say so with a stale reference
    or, while the old page goes, with "Node with given id does not belong to the document"."""
    def left(_: WebDriver) -> bool:
        try:
            element.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" not in str(error):
                raise
            return True
        return False
    WebDriverWait(driver, timeout).until(left)


def text_of(driver: WebDriver, css: str) -> str:
    """The visible text of an element."""
    return str(wait_for(driver, css).text)


def sign_in(driver: WebDriver, url: str, name: str, password: str, path: str = "/console/") -> None:
    """Sign in through the form (from the keyboard: type, Tab, type, Enter)."""
    driver.delete_all_cookies()
    driver.get(url + path)
    wait_for(driver, "#name").send_keys(name)
    driver.switch_to.active_element.send_keys(Keys.TAB)
    driver.switch_to.active_element.send_keys(password, Keys.ENTER)
    WebDriverWait(driver, 20).until(lambda d: "/console/login" not in d.current_url)


def no_sideways_scroll(driver: WebDriver) -> bool:
    """True when the page is no wider than the window."""
    return bool(driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth + 1"))


def screenshot(driver: WebDriver, folder: Path, name: str) -> None:
    """Desktop and phone screenshots of the current page (whole page height, up to 1,600 px); phone width never
    scrolls sideways."""
    for label, width in (("desktop", DESKTOP), ("phone", PHONE)):
        driver.set_window_size(width, 900)
        height = int(driver.execute_script("return document.documentElement.scrollHeight"))
        driver.set_window_size(width, min(max(height, 600), 1600))
        assert driver.execute_script("return window.innerWidth") == width
        if width == PHONE:
            assert no_sideways_scroll(driver), f"{driver.current_url} scrolls sideways at {width} px"
        driver.save_screenshot(str(folder / f"{name}-{label}.png"))
    driver.set_window_size(DESKTOP, 900)


@contextlib.contextmanager
def paused(proc: Any) -> Iterator[None]:
    """A process group stopped (SIGSTOP) for the block's length, then resumed: what is queued meanwhile waits."""
    os.killpg(proc.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(proc.pid, signal.SIGCONT)


def ask(stack: ConsoleStack, user: str, text: str, n: int) -> None:
    """A user writes to the OA through the signed webhook; wait for her reply."""
    before = len(stack.fake.wait_user(user, 0, timeout=0))
    assert stack.post_event(text_event(user, f"m-{user}-{n}-{time.time_ns()}", text)) == 200
    got = stack.fake.wait_user(user, before + 1, timeout=30)
    assert len(got) > before, f"no reply to {text!r}\n{stack.describe()}"


# --- tests -----------------------------------------------------------------------------------------------------
def test_anonymous_visit_is_sent_to_sign_in(stack: ConsoleStack, browser: WebDriver, shots: Path) -> None:
    for path in PAGES:
        browser.delete_all_cookies()
        browser.get(stack.url + path)
        wait_for(browser, "form input#password")
        assert "/console/login" in browser.current_url and "next=" in browser.current_url, path
    screenshot(browser, shots, "login")


def test_a_wrong_password_is_refused_and_audited(stack: ConsoleStack, browser: WebDriver, store: Any) -> None:
    browser.delete_all_cookies()
    browser.get(stack.url + "/console/laws")
    wait_for(browser, "#name").send_keys(EDITOR)
    browser.find_element(By.ID, "password").send_keys("not-her-password", Keys.ENTER)
    assert "không đúng" in text_of(browser, "#login-error")
    assert "/console/login" in browser.current_url
    browser.get(stack.url + "/console/laws")  # still not signed in
    wait_for(browser, "input#password")
    assert any(e["action"] == "console_signin_failed" and e["actor"] == EDITOR for e in audit.recent(store, 20))


def test_every_input_is_labelled_and_every_page_readable_on_a_phone(stack: ConsoleStack,
                                                                     browser: WebDriver) -> None:
    sign_in(browser, stack.url, ADMIN, ADMIN_PW)
    browser.set_window_size(PHONE, 800)
    try:
        for path in PAGES:
            browser.get(stack.url + path)
            wait_for(browser, "main h1")
            unlabelled = browser.execute_script("""
                return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                  .filter(e => !(e.id && document.querySelector('label[for="' + e.id + '"]')) &&
                               !e.getAttribute('aria-label')).map(e => e.name);""")
            assert unlabelled == [], f"{path}: inputs without a label: {unlabelled}"
            assert no_sideways_scroll(browser), f"{path} scrolls sideways at {PHONE} px"
    finally:
        browser.set_window_size(DESKTOP, 900)


def test_home_stats_questions_and_subscribers_show_what_the_services_report(
        stack: ConsoleStack, browser: WebDriver, store: Any, shots: Path) -> None:
    for i, user in enumerate(SUBSCRIBERS):
        ask(stack, user, "đăng ký lao động" if i % 2 else "đăng ký", i)
    for i, (user, question) in enumerate(zip(ASKERS, QUESTIONS)):
        ask(stack, user, question, i)
    today = stats.report(store, 1)
    month = stats.report(store, 30)
    assert today["questions"] >= len(QUESTIONS)
    sign_in(browser, stack.url, EDITOR, EDITOR_PW)

    browser.get(stack.url + "/console/")
    assert text_of(browser, "#fig-questions") == str(today["questions"])
    assert text_of(browser, "#fig-unanswered") == str(today["no_match"])
    assert text_of(browser, "#fig-subscribers") == str(len(SUBSCRIBERS))
    assert text_of(browser, "#fig-deadletters") == str(len(deadletters.letters(store)))
    share = round(100 * (today["questions"] - today["no_match"]) / today["questions"])
    assert text_of(browser, "#fig-answered") == f"{share}%"
    version = (Path(stack.env["LAWS_DIR"]) / "CURRENT").read_text().strip()
    assert version in text_of(browser, "#fig-corpus")
    screenshot(browser, shots, "home")

    browser.get(stack.url + "/console/stats")
    assert text_of(browser, "#stat-questions") == str(month["questions"])
    assert text_of(browser, "#stat-unanswered") == str(month["no_match"])
    assert browser.find_elements(By.CSS_SELECTOR, "#chart-days svg rect")
    articles = browser.find_element(By.ID, "chart-articles").text
    assert all(a["article"] in articles for a in month["top_articles"])
    screenshot(browser, shots, "stats")

    browser.get(stack.url + "/console/questions")
    unanswered = text_of(browser, "#questions")
    assert all(u["query"] in unanswered for u in month["unanswered"])

    counts = subscriptions.counts(store)
    browser.get(stack.url + "/console/subscribers")
    assert text_of(browser, "#sub-total") == str(counts["total"]) == str(len(SUBSCRIBERS))
    labour = browser.find_element(By.XPATH, "//table[@id='subscribers']//tr[td[1][contains(., 'lao động nữ')]]")
    row = counts["topics"]["lao-dong-nu"]
    assert row["explicit"] == len(SUBSCRIBERS) // 2
    assert labour.find_elements(By.TAG_NAME, "td")[1].text == str(row["explicit"])
    assert labour.find_elements(By.TAG_NAME, "td")[2].text == str(row["reached"])


def test_laws_upload_is_previewed_then_confirmed_each_on_the_worker_and_answers_use_it(
        stack: ConsoleStack, browser: WebDriver, store: Any, shared_dir: Path, shots: Path,
        tmp_path: Path) -> None:
    sign_in(browser, stack.url, EDITOR, EDITOR_PW, "/console/laws")
    before = (Path(stack.env["LAWS_DIR"]) / "CURRENT").read_text().strip()
    rows = browser.find_elements(By.CSS_SELECTOR, "#documents tbody tr")
    assert len(rows) > 10 and "13/2022/QH15" in browser.find_element(By.ID, "documents").text
    screenshot(browser, shots, "laws")
    # the domestic violence law as officials get it (no number line), with its Điều 1 amended
    text = (shared_dir / "laws/official-text/luat-phong-chong-bao-luc-gia-dinh-2022.txt").read_text(encoding="utf-8")
    amended = text.replace("quản lý nhà nước và trách nhiệm", "quản lý nhà nước, phối hợp liên ngành và trách nhiệm", 1)
    assert amended != text
    source = tmp_path / "luat-phong-chong-bao-luc-gia-dinh-sua-doi.txt"
    source.write_text(amended, encoding="utf-8")
    browser.find_element(By.ID, "file").send_keys(str(source))
    browser.find_element(By.ID, "number").send_keys("13/2022/QH15")
    Select(browser.find_element(By.ID, "type")).select_by_visible_text("Luật")
    browser.find_element(By.ID, "doc-name").send_keys("Luật Phòng, chống bạo lực gia đình")
    browser.find_element(By.ID, "effective").send_keys("01/07/2023")
    with paused(stack.worker):  # the web request only keeps the file and queues its preview
        browser.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]").click()
        box = wait_for(browser, "#progress[data-state=queued]", 30)
        assert "Đang chờ máy chủ" in box.text and not browser.find_elements(By.ID, "confirm-import")
        screenshot(browser, shots, "laws-upload-progress")
    report = wait_for(browser, "#preview-report", 120)  # the worker's preview, the page reloaded by its script
    upload_id = browser.current_url.rsplit("/", 1)[1]
    previewed = law_uploads.staged(store, upload_id)
    assert previewed["state"] == "ready" and previewed["started_at"]  # computed by the stack's worker
    assert "13/2022/QH15" in browser.find_element(By.ID, "read-documents").text
    assert "0 mới, 1 sửa, 0 bỏ" in report.text and "Điều 1. Phạm vi điều chỉnh" in report.text
    report.find_element(By.XPATH, ".//summary[normalize-space()='Xem thay đổi']").click()
    assert "phối hợp liên ngành" in report.find_element(By.CSS_SELECTOR, "pre.diff").text
    assert (Path(stack.env["LAWS_DIR"]) / "CURRENT").read_text().strip() == before  # a preview changes nothing
    screenshot(browser, shots, "laws-preview")
    with paused(stack.worker):  # confirming queues the import: the web request imports nothing
        browser.find_element(By.ID, "confirm-import").click()
        box = wait_for(browser, "#progress[data-state=queued]", 30)
        assert "Nhập tệp luat-phong-chong-bao-luc-gia-dinh-sua-doi.txt" in text_of(browser, "h1")
        assert (Path(stack.env["LAWS_DIR"]) / "CURRENT").read_text().strip() == before
    wait_for(browser, "#change-report", 180)
    after = (Path(stack.env["LAWS_DIR"]) / "CURRENT").read_text().strip()
    assert after != before and after in text_of(browser, "#report-version")
    assert f"phiên bản mới {after}" in text_of(browser, "#outcome")
    screenshot(browser, shots, "laws-import-done")
    assert any(e["action"] == "laws_import" and e["actor"] == EDITOR for e in audit.recent(store, 30))
    browser.get(stack.url + "/console/laws")
    assert "Xong" in text_of(browser, "#imports tbody tr:first-child")
    user = "88" + "0" * 16 + "1"
    deadline = time.monotonic() + NEW_VERSION_WITHIN  # every process serves the new version
    while not any("phối hợp liên ngành" in t for t in stack.texts(user)):
        assert time.monotonic() < deadline, stack.texts(user)
        ask(stack, user, "điều 1 luật phòng chống bạo lực gia đình", int(time.monotonic() * 1000))


def test_a_file_the_worker_cannot_read_says_why_in_vietnamese(stack: ConsoleStack, browser: WebDriver,
                                                              tmp_path: Path, shots: Path) -> None:
    sign_in(browser, stack.url, EDITOR, EDITOR_PW, "/console/laws")
    source = tmp_path / "luat-khong-so-hieu.txt"
    source.write_text("Điều 1. Phạm vi điều chỉnh\nLuật này quy định về một việc.\n", encoding="utf-8")
    browser.find_element(By.ID, "file").send_keys(str(source))
    browser.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]").click()
    failure = text_of(browser, "#upload-failed #failure")
    assert failure.startswith("Tệp không ghi số hiệu văn bản") and "Số hiệu" in failure
    assert not browser.find_elements(By.ID, "confirm-import")
    screenshot(browser, shots, "laws-upload-failed")


def test_a_broadcast_from_the_page_reaches_each_subscriber_exactly_once(
        stack: ConsoleStack, browser: WebDriver, store: Any, shots: Path) -> None:
    sign_in(browser, stack.url, EDITOR, EDITOR_PW, "/console/broadcasts")
    text = f"Thông báo thử nghiệm {time.time_ns()}: luật mới về lao động nữ có hiệu lực."
    wait_for(browser, "#text").send_keys(text)
    Select(browser.find_element(By.ID, "audience")).select_by_value("subscribers")
    screenshot(browser, shots, "broadcasts")
    send = browser.find_element(By.ID, "send")
    assert send.text == "Gửi…"
    send.click()
    wait_for(browser, "#confirm-send")
    WebDriverWait(browser, 30).until(lambda d: d.find_element(By.ID, "progress").get_attribute("data-state") == "done")
    assert text_of(browser, "#progress [data-field=total]") == str(len(SUBSCRIBERS))
    assert text in text_of(browser, ".zalo-text")
    assert stack.texts(SUBSCRIBERS[0]).count(text) == 0  # nothing sent before confirming
    screenshot(browser, shots, "broadcast-confirm")
    confirming = browser.find_element(By.ID, "progress")
    browser.find_element(By.ID, "confirm-send").click()
    wait_gone(browser, confirming)  # the progress page replaced the dry run's
    WebDriverWait(browser, 60, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda d: d.find_element(By.ID, "progress").get_attribute("data-state") == "done")
    assert text_of(browser, "#progress [data-field=sent]") == str(len(SUBSCRIBERS))
    assert text_of(browser, "#progress [data-field=failed]") == "0"
    screenshot(browser, shots, "broadcast-progress")
    # the state is "done" only after the worker recorded every send: the fake holds them all already
    for user in SUBSCRIBERS:
        assert [t for t in stack.texts(user) if t == text] == [text], user
    for user in ASKERS:
        assert text not in stack.texts(user)
    assert any(e["action"] == "broadcast_create" and e["actor"] == EDITOR and not e["details"]["dry_run"]
                       for e in audit.recent(store, 30))
    browser.get(stack.url + "/console/broadcasts")
    assert text[:60] in text_of(browser, "#history")


def test_a_dead_letter_is_listed_and_replayed_from_the_page(
        stack: ConsoleStack, browser: WebDriver, store: Any, shots: Path) -> None:
    user = "89" + "0" * 16 + "1"
    stack.fake.script(http=[{"status": 500, "paths": ["cs"]}])  # Zalo down: the client's own retries fail too
    try:
        assert stack.post_event(text_event(user, f"dl-{time.time_ns()}", "nghỉ thai sản được mấy tháng")) == 200
        wait_until(lambda: deadletters.letters(store), 30, "a dead letter", stack)
    finally:
        stack.fake.reset()  # Zalo is back
    sign_in(browser, stack.url, EDITOR, EDITOR_PW, "/console/deadletters")
    rows = browser.find_elements(By.CSS_SELECTOR, "#deadletters tbody tr")
    assert len(rows) == len(deadletters.letters(store)) == 1
    assert user not in browser.page_source  # users appear only as a keyed hash
    screenshot(browser, shots, "deadletters")
    rows[0].find_element(By.XPATH, ".//button[normalize-space()='Gửi lại']").click()
    wait_gone(browser, rows[0])
    assert "xếp hàng" in text_of(browser, ".flash")
    assert stack.fake.wait_user(user, 1, timeout=30)
    assert deadletters.letters(store) == []


def test_audit_and_officials_pages_and_roles(stack: ConsoleStack, browser: WebDriver, store: Any,
                                             shots: Path) -> None:
    sign_in(browser, stack.url, EDITOR, EDITOR_PW, "/console/audit")
    log = text_of(browser, "#audit")
    assert "console_signin" in log and EDITOR in log
    screenshot(browser, shots, "audit")
    browser.get(stack.url + "/console/officials")
    assert "không có quyền" in text_of(browser, ".flash.error")  # editors do not manage officials
    sign_in(browser, stack.url, ADMIN, ADMIN_PW, "/console/officials")
    table = text_of(browser, "#officials")
    assert ADMIN in table and EDITOR in table
    browser.find_element(By.ID, "new-name").send_keys("mai")
    browser.find_element(By.ID, "new-pw").send_keys("mat-khau-cua-mai-2026")
    browser.find_element(By.ID, "new-pw2").send_keys("mat-khau-cua-mai-2026", Keys.ENTER)
    assert "Đã tạo tài khoản mai" in text_of(browser, ".flash")
    assert "mai" in text_of(browser, "#officials")
    screenshot(browser, shots, "officials")
    sign_in(browser, stack.url, "mai", "mat-khau-cua-mai-2026")
    assert "Tổng quan" in browser.title
    browser.find_element(By.CSS_SELECTOR, "form.who button").click()  # sign out
    wait_for(browser, "input#password")
    browser.get(stack.url + "/console/")
    wait_for(browser, "input#password")
    assert "/console/login" in browser.current_url


def test_an_unanswered_question_is_taught_and_then_answered_with_the_taught_article(
        stack: ConsoleStack, browser: WebDriver, store: Any, shots: Path) -> None:
    user, question = "90" + "0" * 16 + "1", "blorpt zenvik quastor"
    ask(stack, user, question, 1)
    assert not any("Điều 139" in t for t in stack.texts(user))
    sign_in(browser, stack.url, EDITOR, EDITOR_PW, "/console/questions")
    row = browser.find_element(By.XPATH, f"//table[@id='questions']//tr[td[2][normalize-space()='{question}']]")
    assert "Chưa trả lời được" in row.text
    screenshot(browser, shots, "questions")
    row.find_element(By.LINK_TEXT, "Dạy").click()
    search = wait_for(browser, "#search")
    search.clear()
    search.send_keys("nghỉ thai sản bao lâu", Keys.ENTER)
    choice = WebDriverWait(browser, 20).until(ec.element_to_be_clickable(
        (By.CSS_SELECTOR, "input[name=target][value='article:45/2019/QH14:139']")))
    assert question in text_of(browser, "#teach-question")
    screenshot(browser, shots, "teach")
    choice.click()
    browser.find_element(By.ID, "teach-submit").click()
    assert "Đã dạy" in text_of(browser, ".flash")
    assert any(e["action"] == "teach" and e["actor"] == EDITOR for e in audit.recent(store, 10))
    deadline = time.monotonic() + NEW_VERSION_WITHIN  # every process serves the taught version
    while not any("Điều 139" in t and "45/2019/QH14" in t for t in stack.texts(user)):
        assert time.monotonic() < deadline, stack.texts(user)
        ask(stack, user, question, int(time.monotonic() * 1000))
    browser.get(stack.url + "/console/questions")
    row = browser.find_element(By.XPATH, f"//table[@id='questions']//tr[td[2][normalize-space()='{question}']]")
    assert "article:45/2019/QH14:139" in row.text


def test_cards_are_listed_previewed_as_zalo_shows_them_and_edited(stack: ConsoleStack, browser: WebDriver,
                                                                  store: Any, shots: Path) -> None:
    sign_in(browser, stack.url, EDITOR, EDITOR_PW, "/console/cards")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#cards tbody tr")) > 100
    screenshot(browser, shots, "cards")
    browser.get(stack.url + "/console/cards/thai-san-thoi-gian-nghi")
    bubble = text_of(browser, "#card-preview .zalo-text")
    assert "6 tháng" in bubble and "Điều 139 Bộ luật Lao động số 45/2019/QH14" in bubble
    buttons = [b.text for b in browser.find_elements(By.CSS_SELECTOR, "#card-preview .zalo-button")]
    assert "Đúng ý" in buttons and "Chưa đúng" in buttons
    screenshot(browser, shots, "card")
    title = browser.find_element(By.ID, "card-title")
    title.clear()
    title.send_keys("Nghỉ thai sản được bao lâu?")
    form = browser.find_element(By.ID, "card-form")
    browser.find_element(By.ID, "save-card").click()
    wait_gone(browser, form)
    assert "Đã lưu thẻ" in text_of(browser, ".flash")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Nghỉ thai sản được bao lâu?"
    assert any(e["action"] == "cards_import" and e["actor"] == EDITOR for e in audit.recent(store, 10))


def test_an_ambiguous_token_refresh_on_the_worker_shows_a_banner_on_every_page(
        stack: ConsoleStack, browser: WebDriver, store: Any, shots: Path) -> None:
    user = "91" + "0" * 16 + "1"
    sign_in(browser, stack.url, EDITOR, EDITOR_PW, "/console/")
    assert not browser.find_elements(By.ID, "token-alert")
    # the OA's access token stops working and OAuth's answer to the refresh is lost behind a gateway (HTTP 502)
    stack.fake.script(revoke_token=True, http=[{"status": 502, "count": 1, "paths": ["oauth"]}])
    try:
        assert stack.post_event(text_event(user, f"tk-{time.time_ns()}", "nghỉ thai sản được mấy tháng")) == 200
        wait_until(lambda: tokens.token_alert(store), 30, "the worker's token alert", stack)
        for path in ("/console/", "/console/laws", "/console/broadcasts", "/console/stats"):
            browser.get(stack.url + path)
            banner = text_of(browser, "#token-alert")
            assert "Zalo OA có thể không gửi được tin nhắn" in banner and "(HTTP 502)" in banner, path
            assert "ZALO_ACCESS_TOKEN và ZALO_REFRESH_TOKEN" in banner, path
        browser.get(stack.url + "/console/")
        wait_for(browser, "#token-alert")
        screenshot(browser, shots, "token-alert")
    finally:  # an operator sets a working pair: the alert is lifted and the OA sends again
        stack.fake.http.post(f"{stack.fake.base_url}/_fake/reset", json={"tokens": True}, timeout=10)
        tokens.clear_token_alert(store)
    browser.get(stack.url + "/console/")
    wait_for(browser, "main h1")
    assert not browser.find_elements(By.ID, "token-alert")
    ask(stack, "92" + "0" * 16 + "1", "nghỉ thai sản được mấy tháng", 1)  # answered again
