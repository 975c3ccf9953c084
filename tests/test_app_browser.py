"""The app in a real browser: ``streamlit run`` on a free port, every page
opened in headless Chromium (Debian's package; never ``playwright install``),
checked for its title and a chart or table and no error element, with a
screenshot saved under ``test-output/screenshots/``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

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
#: url path -> the page title in Chinese (the default language)
PAGES = {
    "": "经营概览",  # the default page lives at the root URL
    "reports": "财务报表",
    "reconciliation": "业财对账工作台",
    "vouchers": "凭证建议",
    "monitor": "集成监控",
    "sql": "分析师 SQL",
}


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
    env = {
        **os.environ,
        "LEDGERBRIDGE_WAREHOUSE": warehouse,
        "HOME": str(home),
        "LEDGERBRIDGE_RUN_LOG": str(tmp / "run_log.sqlite"),
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


@pytest.mark.parametrize("path", list(PAGES))
def test_page_renders_in_chromium(server, browser, path: str):
    url, _ = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{url}/{path}", wait_until="domcontentloaded", timeout=60_000)
        page.get_by_role("heading", name=PAGES[path]).first.wait_for(timeout=60_000)
        # wait for the script to finish (the status widget disappears) and content to draw
        page.wait_for_selector(
            "[data-testid='stDataFrame'], [data-testid='stPlotlyChart'], .js-plotly-plot", timeout=60_000
        )
        deadline = time.time() + 30
        while time.time() < deadline and page.locator("[data-testid='stStatusWidget']").count():
            time.sleep(0.2)
        time.sleep(0.5)
        page.screenshot(path=str(SHOTS / f"{path or 'overview'}.png"), full_page=True)
        assert page.locator("[data-testid='stException']").count() == 0, "an exception is shown"
        tables = page.locator("[data-testid='stDataFrame']").count()
        charts = page.locator("[data-testid='stPlotlyChart']").count()
        assert tables + charts > 0
    finally:
        page.close()


def test_sql_page_runs_a_query_in_chromium(server, browser):
    url, _ = server
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{url}/sql", wait_until="domcontentloaded", timeout=60_000)
        page.get_by_role("heading", name=PAGES["sql"]).first.wait_for(timeout=60_000)
        box = page.locator("textarea").first
        box.fill("select * from read_csv('/etc/passwd')")
        box.press("Control+Enter")
        page.get_by_role("button", name="运行").click()
        page.get_by_text("file and network access is disabled").first.wait_for(timeout=30_000)
        page.screenshot(path=str(SHOTS / "sql_refused.png"), full_page=True)
        assert page.locator("[data-testid='stException']").count() == 0
    finally:
        page.close()
