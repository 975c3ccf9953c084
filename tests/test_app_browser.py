"""The app in a real browser: ``streamlit run`` on a free port, every page
opened in headless Chromium (Debian's package; never ``playwright install``)
in both languages, checked for its title and a chart or table and no error
element, with a screenshot saved under ``test-output/screenshots/``
(``<page>_<lang>.png``; the group's reports as ``reports_group_<lang>.png``).
Nothing but the login form shows without signing in; pages are reached through
the navigation of a signed-in session; logout and a reload lead back to the
login form."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from fixtures_access import PASSWORD

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "test-output" / "screenshots"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: url path -> the page title in Chinese (the default language) and in English
PAGES = {
    "": ("经营概览", "Management overview"),  # the default page lives at the root URL
    "reports": ("财务报表", "Financial reports"),
    "scheduled_reports": ("定时报表", "Scheduled reports"),
    "reconciliation": ("业财对账工作台", "Reconciliation workbench"),
    "vouchers": ("凭证建议", "Voucher proposals"),
    "monitor": ("集成监控", "Integration monitor"),
    "sql": ("分析师 SQL", "Analyst SQL"),
    "audit": ("审计日志", "Audit log"),
    "users": ("用户管理", "Users"),
}
LANG_INDEX = {"zh": 0, "en": 1}
LANG_LABEL = {"zh": "中文", "en": "English"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, demo_warehouse: Path):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (make browser installs it with apt-get)")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    tmp = tmp_path_factory.mktemp("browser")
    # The real demo warehouse: every page is opened on the data the product ships with.
    warehouse = os.environ.get("LEDGERBRIDGE_APP_TEST_WAREHOUSE") or str(demo_warehouse)
    port = _free_port()
    home = tmp / "home"
    home.mkdir()
    ops_url = f"sqlite:///{tmp / 'ops.sqlite'}"
    with pytest.MonkeyPatch.context() as mp:  # the users the browser signs in as
        from ledgerbridge.ops import users

        mp.setenv("LEDGERBRIDGE_OPS_URL", ops_url)
        users.add_user("admin", roles=["admin"], orgs=["*"], password=PASSWORD, actor="test")
        users.add_user("analyst.org01", roles=["analyst"], orgs=["ORG01"], password=PASSWORD, actor="test")
        users.add_user(
            "finance.two", roles=["finance"], orgs=["ORG01", "ORG03"], password=PASSWORD, actor="test"
        )
    env = {
        **os.environ,
        "LEDGERBRIDGE_WAREHOUSE": warehouse,
        "LEDGERBRIDGE_OPS_URL": ops_url,
        "LEDGERBRIDGE_LOGIN_DELAY_S": "0",
        "HOME": str(home),
        "LEDGERBRIDGE_RUN_LOG": str(tmp / "run_log.sqlite"),
        "LEDGERBRIDGE_REPORTS_DIR": str(tmp / "reports"),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app" / "streamlit_app.py"),
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
        pytest.fail(f"streamlit did not start:\n{out[-2000:]}")
    yield url, home
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    _, home = server
    old_home = os.environ.get("HOME")
    os.environ["HOME"] = str(home)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield b
        b.close()
    if old_home is not None:
        os.environ["HOME"] = old_home


def _settle(page, content: bool = False) -> None:
    """Wait for the script run to finish (the status widget disappears); with ``content``, first
    for a table or chart to be drawn."""
    if content:
        page.wait_for_selector(
            "[data-testid='stDataFrame'], [data-testid='stPlotlyChart'], .js-plotly-plot", timeout=60_000
        )
    deadline = time.time() + 30
    while time.time() < deadline and page.locator("[data-testid='stStatusWidget']").count():
        time.sleep(0.2)
    time.sleep(0.5)


def sign_in(browser, url: str, user: str):
    """A new tab signed in as ``user`` through the login form, on the overview."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url, wait_until="domcontentloaded", timeout=60_000)
    page.get_by_role("heading", name=LOGIN).first.wait_for(timeout=60_000)
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name=PAGES[""][0]).first.wait_for(timeout=60_000)
    return page


def goto(page, path: str, lang: str) -> None:
    """Switch the signed-in tab to ``lang`` and open ``path`` through the navigation (a new URL
    would be a new session, signed out), waiting for its content."""
    page.locator("[data-testid='stSidebar']").get_by_text(LANG_LABEL[lang], exact=True).first.click()
    title = PAGES[path][LANG_INDEX[lang]]
    nav = page.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True).first
    nav.wait_for(timeout=60_000)
    nav.click()
    page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
    _settle(page, content=True)


LOGIN = "登录 业财桥"


@pytest.fixture(scope="module")
def admin_tab(server, browser):
    url, _ = server
    page = sign_in(browser, url, "admin")
    yield page
    page.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", list(PAGES))
def test_page_renders_in_chromium(admin_tab, path: str, lang: str):
    page = admin_tab
    SHOTS.mkdir(parents=True, exist_ok=True)
    goto(page, path, lang)
    page.screenshot(path=str(SHOTS / f"{path or 'overview'}_{lang}.png"), full_page=True)
    assert page.locator("[data-testid='stException']").count() == 0, "an exception is shown"
    tables = page.locator("[data-testid='stDataFrame']").count()
    charts = page.locator("[data-testid='stPlotlyChart']").count()
    assert tables + charts > 0
    assert page.get_by_text("Deploy", exact=True).count() == 0, "no deploy button"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_group_statements_render_in_chromium(admin_tab, lang: str):
    page = admin_tab
    SHOTS.mkdir(parents=True, exist_ok=True)
    goto(page, "reports", lang)
    page.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name="集团合并（CNY）" if lang == "zh" else "Group consolidated (CNY)").click()
    time.sleep(1)
    _settle(page, content=True)
    heading = "编制单位：集团合并" if lang == "zh" else "Group consolidated (CNY) ·"
    page.locator("[data-testid='stCaptionContainer']", has_text=heading).first.wait_for(timeout=30_000)
    page.screenshot(path=str(SHOTS / f"reports_group_{lang}.png"), full_page=True)
    assert page.locator("[data-testid='stException']").count() == 0


def test_a_two_org_users_consolidation_renders_in_chromium(server, browser):
    """A user granted ORG01 and ORG03: the group view is their own consolidation, labelled so."""
    url, _ = server
    page = sign_in(browser, url, "finance.two")
    try:
        goto(page, "reports", "zh")
        page.get_by_test_id("stSelectbox").first.click()
        page.get_by_role("option", name="合并（仅含已授权组织 ORG01, ORG03", exact=False).click()
        time.sleep(1)
        _settle(page, content=True)
        heading = "编制单位：合并（仅含已授权组织 ORG01, ORG03"
        page.locator("[data-testid='stCaptionContainer']", has_text=heading).first.wait_for(timeout=30_000)
        page.screenshot(path=str(SHOTS / "reports_group_partial_zh.png"), full_page=True)
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.get_by_text("报表平衡").count() > 0
    finally:
        page.close()


def test_without_signing_in_a_url_shows_only_the_login_form(server, browser):
    """The root and pages deep in the app (every page is covered by the AppTest suite)."""
    url, _ = server
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        for path in ("", "sql", "monitor"):
            page.goto(f"{url}/{path}", wait_until="domcontentloaded", timeout=60_000)
            page.get_by_role("heading", name=LOGIN).first.wait_for(timeout=60_000)
            _settle(page)
            assert page.locator("[data-testid='stDataFrame'], [data-testid='stPlotlyChart']").count() == 0
            assert page.get_by_role("heading", name=PAGES[path][0]).count() == 0
    finally:
        page.close()


def test_logout_then_reload_shows_the_login_form(server, browser):
    url, _ = server
    page = sign_in(browser, url, "admin")
    try:
        page.get_by_role("button", name="退出登录").click()
        page.get_by_role("heading", name=LOGIN).first.wait_for(timeout=60_000)
        page.reload(wait_until="domcontentloaded")
        page.get_by_role("heading", name=LOGIN).first.wait_for(timeout=60_000)
        _settle(page)
        assert page.locator("[data-testid='stDataFrame'], [data-testid='stPlotlyChart']").count() == 0
    finally:
        page.close()


def test_sql_page_runs_a_query_in_chromium(server, browser):
    """An org-limited analyst: the console refuses a file read and returns only its org."""
    url, _ = server
    page = sign_in(browser, url, "analyst.org01")
    try:
        goto(page, "sql", "zh")
        box = page.locator("textarea").first
        box.fill("select * from read_csv('/etc/passwd')")
        box.press("Control+Enter")
        page.get_by_role("button", name="运行").click()
        page.get_by_text("not allowed").first.wait_for(timeout=30_000)
        page.screenshot(path=str(SHOTS / "sql_refused.png"), full_page=True)
        box.fill("select distinct org_code from fct_gl_lines")
        box.press("Control+Enter")
        page.get_by_role("button", name="运行").click()
        page.get_by_text("1 行，用时").first.wait_for(timeout=30_000)
        assert page.get_by_text("仅含已授权组织 ORG01").count() > 0
        assert page.locator("[data-testid='stException']").count() == 0
    finally:
        page.close()
