"""End to end: `policykb ui` on a free port, loaded in headless Chromium: a question asked; the two audiences
(no writing action without the credential, an upload with it); at 390 × 844 a clicked [n] shows its citation,
a shared ?q= link reproduces the answer, feedback is stored and listed.

Screenshots (desktop and phone width) and the measured answer time go to tests/artifacts/.
Needs Debian's chromium + chromium-driver (installed by .ci/run) and selenium (the dev extra);
skips, saying why, only when those are missing.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"

ARTIFACTS = ROOT / "tests" / "artifacts"
QUESTION = "到2020年贫困地区农村集中供水率要达到多少？"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--lang=zh-CN")
DESKTOP, PHONE = (1280, 900), (390, 844)

pytestmark = pytest.mark.slow


def _find(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the UI server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"the UI server did not answer on {url} within {timeout:.0f} s")


@pytest.fixture(scope="module")
def chrome_paths():
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[dev]')")
    browser = _find("chromium", "chromium-browser")
    driver = _find("chromedriver", "chromium-driver")
    if not browser or not driver:
        pytest.skip("headless Chromium is not installed: .ci/run installs Debian's chromium and chromium-driver "
                    "(apt-get install chromium chromium-driver)")
    return webdriver, browser, driver


ADMIN_TOKEN = "e2e-admin-credential-7"


@pytest.fixture(scope="module")
def library(index_dir, tmp_path_factory):
    """A copy of the corpus and index that the server may add to, and where its feedback goes."""
    root = tmp_path_factory.mktemp("ui_library")
    shutil.copytree(CORPUS, root / "corpus")
    shutil.copytree(index_dir, root / "index")
    return {"corpus": root / "corpus", "index": root / "index", "feedback": root / "feedback.sqlite3"}


@pytest.fixture(scope="module")
def ui_server(library, chrome_paths):
    """`policykb ui --port P` on the module's library, with an administrator credential configured, in its
    own process group so all of it stops."""
    port = free_port()
    command = [sys.executable, "-m", "cli.main"]  # this checkout's code, whatever the venv's script imports
    command += ["ui", "--port", str(port), "--index", str(library["index"]), "--corpus", str(library["corpus"])]
    log = tempfile.TemporaryFile()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "POLICYKB_ADMIN_TOKEN": ADMIN_TOKEN,
           "POLICYKB_FEEDBACK_DB": str(library["feedback"])}
    env.pop("POLICYKB_ADMIN_TOKEN_FILE", None)
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                               env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


@pytest.fixture
def browser(chrome_paths, tmp_path):
    webdriver, browser_path, driver_path = chrome_paths
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser_path
    for flag in CHROMIUM_FLAGS + (f"--user-data-dir={tmp_path / 'profile'}",
                                  f"--window-size={DESKTOP[0]},{DESKTOP[1]}"):
        options.add_argument(flag)
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager look for drivers online
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def full_page_screenshot(driver, path: Path, width: int) -> None:
    height = driver.execute_script(
        "const m = document.querySelector('[data-testid=stMain]');"
        "return Math.max(document.body.scrollHeight, m ? m.scrollHeight : 0);")
    driver.set_window_size(width, min(max(int(height) + 120, 700), 7000))
    time.sleep(1.0)
    driver.save_screenshot(str(path))


def ask(driver, url: str, question: str) -> float:
    """Load the app, ask in the question box, wait for the first citation card; seconds from click to card."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    box = WebDriverWait(driver, 120).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "textarea")))
    box.send_keys(question)
    button = next(b for b in driver.find_elements(By.CSS_SELECTOR, "button") if b.text.strip().endswith("提问"))
    started = time.perf_counter()
    button.click()
    WebDriverWait(driver, 60, poll_frequency=0.02).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, ".st-key-citation_1")))
    elapsed = time.perf_counter() - started
    settle(driver)
    return elapsed


def settle(driver, timeout: float = 60) -> None:
    """Wait until the script run has finished: the first card arrives while later ones still stream in."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout, poll_frequency=0.1).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, "[data-testid=stStatusWidgetRunningIcon]"))


def main_text_with(driver, *needles: str, timeout: float = 30) -> str:
    """The main pane's text once it holds every needle (or, after `timeout`, as it is, for the assert to show)."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(driver, timeout, poll_frequency=0.2).until(
            lambda d: all(n in main_text(d) for n in needles))
    except TimeoutException:
        pass
    return main_text(driver)


def test_ask_in_a_real_browser(ui_server, browser):
    from selenium.webdriver.common.by import By

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    first = ask(browser, ui_server, QUESTION)              # the server may still be warming up here
    warm = [ask(browser, ui_server, q) for q in (QUESTION, "贫困家庭的孩子上学有哪些资助？",
                                                 "低保户家里房子是D级危房，能得到什么帮助？")]
    ask(browser, ui_server, QUESTION)
    page = main_text_with(browser, "问答", QUESTION, "85%", "原文位置")
    assert "问答" in page and QUESTION in page
    assert "85%" in page and "辽宁省“十三五”脱贫攻坚规划" in page
    assert "原文位置" in page
    assert not browser.find_elements(By.CSS_SELECTOR, "[data-testid=stException]")
    full_page_screenshot(browser, ARTIFACTS / "ui_ask_desktop.png", DESKTOP[0])
    browser.set_window_size(*PHONE)
    ask(browser, ui_server, QUESTION)
    full_page_screenshot(browser, ARTIFACTS / "ui_ask_phone.png", PHONE[0])
    (ARTIFACTS / "ui_latency.json").write_text(json.dumps(
        {"question": QUESTION, "first_s": round(first, 3), "warm_s": [round(w, 3) for w in warm]},
        ensure_ascii=False, indent=1), encoding="utf-8")
    assert (ARTIFACTS / "ui_ask_desktop.png").stat().st_size > 10_000
    # a warm page answers within seconds even on a busy test machine (the 1 s target is measured, not asserted)
    assert min(warm) < 5.0, warm


def test_deep_link_in_a_real_browser(ui_server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.get(ui_server + "/?clause=lnfp13/col01/r05")
    target = WebDriverWait(browser, 120).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, ".st-key-browse_target")))
    WebDriverWait(browser, 30).until(lambda d: "贫困地区农村集中供水率" in target.text)
    assert "/browse" in browser.current_url
    assert "85" in target.text and "预期性" in target.text
    tables = browser.find_elements(By.CSS_SELECTOR, "[data-testid=stTable] table")
    assert any(len(t.find_elements(By.CSS_SELECTOR, "tbody tr")) == 8 for t in tables)
    full_page_screenshot(browser, ARTIFACTS / "ui_browse_deep_link.png", DESKTOP[0])


# --- issue 13: two audiences, the answer page at 390 × 844 -----------------------------------------
WAIT = 90


def main_text(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, "[data-testid=stMain]").text


def wait_text(driver, text: str, timeout: float = WAIT) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: text in main_text(d))


def page_height(driver) -> int:
    return int(driver.execute_script("const m = document.querySelector('[data-testid=stMain]');"
                                     "return m ? m.scrollHeight : document.body.scrollHeight;"))


def click_button(driver, label: str, within: str = "body") -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def find(d):
        found = [b for b in d.find_elements(By.CSS_SELECTOR, f"{within} button") if b.text.strip().endswith(label)]
        return found[0] if found and found[0].is_enabled() else False

    button = WebDriverWait(driver, WAIT).until(find)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()


def record_metric(name: str, value) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "ui_metrics.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data[name] = value
    data["loadavg"] = [round(x, 2) for x in os.getloadavg()]
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def test_no_developer_menu_and_a_visitor_cannot_reach_any_writing_action(ui_server, browser):
    from selenium.webdriver.common.by import By

    browser.set_window_size(*PHONE)
    started = time.perf_counter()
    browser.get(ui_server)
    wait_text(browser, "您的问题")
    record_metric("first_page_load_s", round(time.perf_counter() - started, 2))
    assert not browser.find_elements(By.CSS_SELECTOR, "[data-testid=stMainMenu], [data-testid=stAppDeployButton]")
    assert "Deploy" not in browser.page_source
    nav = " ".join(e.get_attribute("textContent") for e in
                   browser.find_elements(By.CSS_SELECTOR, "[data-testid=stSidebarNav] a"))
    assert "问答" in nav and "文件管理" not in nav and "评测" not in nav
    for page in ("documents", "evaluation", "feedback"):
        browser.get(f"{ui_server}/{page}")
        wait_text(browser, "仅限管理员")
        assert not browser.find_elements(By.CSS_SELECTOR, "input[type=file]")
        labels = [b.text for b in browser.find_elements(By.CSS_SELECTOR, "[data-testid=stMain] button")]
        assert not [x for x in labels if any(w in x for w in ("添加", "删除", "重建", "开始评测", "导出"))], labels


def log_in(driver, url: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    wait_text(driver, "您的问题")
    summary = WebDriverWait(driver, WAIT).until(lambda d: next(
        (e for e in d.find_elements(By.CSS_SELECTOR, "[data-testid=stSidebar] summary") if "管理员登录" in e.text), False))
    summary.click()
    box = WebDriverWait(driver, WAIT).until(lambda d: next(
        (e for e in d.find_elements(By.CSS_SELECTOR, "[data-testid=stSidebar] input[type=password]")
         if e.is_displayed()), False))
    box.send_keys(ADMIN_TOKEN)
    click_button(driver, "登录", "[data-testid=stSidebar]")
    WebDriverWait(driver, WAIT).until(
        lambda d: "已以管理员身份登录" in d.find_element(By.CSS_SELECTOR, "[data-testid=stSidebar]").text)


def open_from_menu(driver, title: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    link = WebDriverWait(driver, WAIT).until(lambda d: next(
        (a for a in d.find_elements(By.CSS_SELECTOR, "[data-testid=stSidebarNav] a") if title in a.text), False))
    link.click()  # in-app navigation keeps the session (a new address would start a new one)


def test_an_administrator_uploads_a_document(ui_server, browser, library, tmp_path):
    from selenium.webdriver.common.by import By

    browser.set_window_size(*DESKTOP)
    log_in(browser, ui_server)
    open_from_menu(browser, "文件管理")
    wait_text(browser, "已收录 1 份文件")
    document = tmp_path / "饮水方案.txt"
    document.write_text("某县农村饮水安全巩固提升实施方案\n\n第一章 总体目标\n\n到2020年,全县农村集中供水率达到90%。\n\n"
                        "第二章 主要任务\n\n实施水源保护。划定农村饮用水水源保护区。\n", encoding="utf-8")
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, WAIT).until(EC.presence_of_element_located((By.CSS_SELECTOR, "input[type=file]")))
    dropzone = browser.find_element(By.CSS_SELECTOR, "[data-testid=stFileUploaderDropzone]").text
    browser.save_screenshot(str(ARTIFACTS / "ui_upload_widget.png"))
    assert not [w for w in ("Upload", "Browse", "Limit", "Drag", "MB per file") if w in dropzone], dropzone
    shown = browser.execute_script(  # our Chinese labels are drawn by the stylesheet
        "const z = document.querySelector('[data-testid=stFileUploaderDropzone]');"
        "return getComputedStyle(z.querySelector('button'), '::after').content + ' ' + getComputedStyle("
        "z.querySelector('[data-testid=stFileUploaderDropzoneInstructions] > div'), '::before').content;")
    assert "选择文件" in shown and "拖到这里" in shown, shown
    browser.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(document))
    wait_text(browser, "饮水方案.txt")
    click_button(browser, "添加并重建索引")
    wait_text(browser, "已收录 2 份文件", timeout=300)
    assert (library["corpus"] / "饮水方案.txt").exists()
    full_page_screenshot(browser, ARTIFACTS / "ui_documents_admin.png", DESKTOP[0])


def test_a_clicked_marker_shows_its_citation_on_a_phone(ui_server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.set_window_size(*PHONE)
    question = "低保户家里房子是D级危房，能得到什么帮助？"
    ask(browser, ui_server, question)
    time.sleep(1.0)
    record_metric("ask_height_390_px", {question: page_height(browser)})
    assert "q=" in browser.current_url  # the question is in the address
    markers = browser.find_elements(By.CSS_SELECTOR, "[data-testid=stMain] a[href$='#cite-3']")
    assert markers, "the answer's [3] is a link to citation 3"
    target = browser.find_element(By.ID, "cite-3")
    assert browser.execute_script("return arguments[0].getBoundingClientRect().top", target) > PHONE[1]
    markers[0].click()
    WebDriverWait(browser, 10).until(lambda d: 0 <= d.execute_script(
        "return arguments[0].getBoundingClientRect().top", target) < PHONE[1] - 200)
    card = browser.find_element(By.CSS_SELECTOR, ".st-key-citation_3")
    assert card.is_displayed() and "辽宁省" in card.text
    browser.save_screenshot(str(ARTIFACTS / "ui_marker_jump_phone.png"))


def test_a_shared_link_reproduces_the_answer_on_a_phone(ui_server, browser):
    from urllib.parse import quote

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    browser.set_window_size(*PHONE)
    ask(browser, ui_server, QUESTION)
    shared = browser.current_url
    assert "q=" + quote(QUESTION) in shared or "q=" in shared
    answer = browser.find_element(By.CSS_SELECTOR, ".st-key-ask_answer").text
    browser.delete_all_cookies()
    browser.get("about:blank")
    browser.get(shared)  # a new visitor opening the link
    WebDriverWait(browser, WAIT).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".st-key-citation_1")))
    settle(browser)
    assert browser.find_element(By.CSS_SELECTOR, ".st-key-ask_answer").text == answer
    assert "85%" in answer and "文件中有明确规定" in main_text(browser)
    record_metric("ask_height_390_px_supply", page_height(browser))


def test_feedback_is_stored_and_listed(ui_server, browser, library):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from eval.feedback import list_feedback

    browser.set_window_size(*PHONE)
    ask(browser, ui_server, QUESTION)
    thumbs_up = WebDriverWait(browser, WAIT).until(lambda d: next(iter(d.find_elements(
        By.CSS_SELECTOR, "[data-testid=stFeedbackButton][aria-label='Thumbs up']")), False))
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", thumbs_up)
    thumbs_up.click()
    click_button(browser, "引用有误", ".st-key-citation_1")
    WebDriverWait(browser, WAIT).until(lambda d: len(list_feedback(library["feedback"])) >= 2)
    kinds = {f.kind for f in list_feedback(library["feedback"]) if f.question == QUESTION}
    assert {"up", "citation_wrong"} <= kinds
    browser.set_window_size(*DESKTOP)
    log_in(browser, ui_server)
    open_from_menu(browser, "读者反馈")
    wait_text(browser, "引用有误")
    WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=stDataFrame]"))
    assert browser.find_elements(By.CSS_SELECTOR, "[data-testid=stDownloadButton]")


def test_entitlements_on_a_phone(ui_server, browser):
    browser.set_window_size(*PHONE)
    browser.get(ui_server + "/entitlements")
    wait_text(browser, "低保户")
    record_metric("entitlements_form_height_390_px", page_height(browser))
    click_button(browser, "低保户")
    click_button(browser, "查找可享受的政策")
    wait_text(browser, "条政策依据")
    time.sleep(1.0)
    record_metric("entitlements_dibao_height_390_px", page_height(browser))
    full_page_screenshot(browser, ARTIFACTS / "ui_entitlements_phone.png", PHONE[0])
