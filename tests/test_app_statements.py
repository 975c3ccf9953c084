"""The statements as the app shows them, in both languages, checked against the
warehouse (the hand-computed fixture group and the demo): every line of the form
in order with its 行次, the amounts as finance prints them, the balance check, the
group with its eliminations, the drill from a line to GL lines and documents. And
the Chinese UI, page by page: no raw status / event code, no snake_case header."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from fixtures_access import login_session
from streamlit.testing.v1 import AppTest
from test_app_support import q as rows

from app.lib.i18n import TEXT, _labels

APP = str(Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py")
FORMS = {  # tab -> (table, amount columns)
    "balance_sheet": ("balance_sheet", ["closing_balance", "prior_year_end_balance"]),
    "income_statement": (
        "income_statement",
        ["period_amount", "ytd_amount", "prior_year_period_amount", "prior_year_ytd_amount"],
    ),
    "cash_flow_statement": (
        "cash_flow_statement",
        ["period_amount", "ytd_amount", "prior_year_period_amount", "prior_year_ytd_amount"],
    ),
}


@pytest.fixture(autouse=True)
def admin(make_user) -> str:
    """These tests sign in as an admin granted every org (roles and scoping: test_app_access)."""
    return make_user("admin", "admin")


def signed_in(lang: str = "zh") -> AppTest:
    """The app run once for the signed-in admin, in ``lang``."""
    at = AppTest.from_file(APP, default_timeout=90)
    login_session(at, "admin")
    at.session_state["lang"] = lang
    at.run()
    return at


@pytest.fixture(scope="module", params=["fixture", "demo"])
def wh_path(request: pytest.FixtureRequest) -> Path:
    if request.param == "fixture":
        return request.getfixturevalue("statements_fixture_build").path
    return Path(request.getfixturevalue("demo_warehouse"))


@pytest.fixture
def served(wh_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("LEDGERBRIDGE_WAREHOUSE", str(wh_path))
    monkeypatch.setenv("LEDGERBRIDGE_RUN_LOG", str(tmp_path / "no_run_log.sqlite"))
    return wh_path


def printed(value: object) -> str:
    """An amount as the printed statement shows it: 1,234.50 / (1,234.50) / empty."""
    if value is None or pd.isna(value):
        return ""
    return f"({abs(value):,.2f})" if round(value, 2) < 0 else f"{value:,.2f}"


def reports(lang: str, org: str | None = None, period: str | None = None) -> AppTest:
    at = signed_in(lang)
    at.switch_page("app_pages/reports.py").run()
    if org:
        at.selectbox(key="rp_org").set_value(org).run()
    if period:
        at.selectbox(key="rp_period").set_value(period).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def form_tables(at: AppTest, lang: str) -> list[pd.DataFrame]:
    head = TEXT["fs_item"][0 if lang == "zh" else 1]
    return [d.value for d in at.dataframe if head in d.value.columns]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_statements_are_the_forms_with_the_warehouse_figures(served: Path, lang: str):
    orgs = rows(served, "select org_code from core.dim_org order by 1")["org_code"].tolist()
    period = rows(served, "select max(period) as p from finance.balance_sheet")["p"][0]
    for org in (orgs[0], "GROUP"):
        at = reports(lang, org, period)
        tables = form_tables(at, lang)
        assert len(tables) == 3, [list(d.value.columns) for d in at.dataframe]
        for shown, (table, cols) in zip(tables, FORMS.values(), strict=True):
            want = rows(
                served,
                f"select * from finance.{table} where org_code = ? and period = ? order by display_order",
                org,
                period,
            )
            assert len(shown) == len(want) > 30
            name = want["line_name_en"] if lang == "en" else want["line_name"]
            items = ["\u3000" * int(i) + n for i, n in zip(want["indent"], name, strict=True)]
            assert shown.iloc[:, 1].tolist() == items  # the form's lines, in its order, indented
            assert shown.iloc[:, 0].tolist() == ["" if pd.isna(n) else str(int(n)) for n in want["line_no"]]
            for i, col in enumerate(cols, start=2):
                assert shown.iloc[:, i].tolist() == [printed(v) for v in want[col]], (org, table, col)
        # the balance check says it balances, with the totals
        totals = rows(
            served,
            "select line_code, closing_balance from finance.balance_sheet where org_code = ? and period = ? "
            "and line_code in ('TOTAL_ASSETS', 'TOTAL_LIABILITIES_AND_EQUITY')",
            org,
            period,
        )
        assert totals["closing_balance"].nunique() == 1
        word = "报表平衡" if lang == "zh" else "balances"
        assert any(word in s.value and f"{totals['closing_balance'][0]:,.2f}" in s.value for s in at.success)
    # the group view has the eliminations tab
    tab = TEXT["eliminations"][0 if lang == "zh" else 1]
    assert tab in [t.label for t in at.tabs]


def test_the_fixture_group_shows_its_eliminations_and_hand_computed_totals(
    statements_fixture_build, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.setenv("LEDGERBRIDGE_WAREHOUSE", str(statements_fixture_build.path))
    monkeypatch.setenv("LEDGERBRIDGE_RUN_LOG", str(tmp_path / "none.sqlite"))
    at = reports("zh", "GROUP", "2025-01")
    bs = form_tables(at, "zh")[0].set_index("项目")
    assert bs.loc["资产总计", "期末余额"] == "2,356.00"
    assert bs.loc["负债和所有者权益（或股东权益）总计", "期末余额"] == "2,356.00"
    assert bs.loc["\u3000其他综合收益", "期末余额"] == "(1.00)"
    elim = next(d.value for d in at.dataframe if "entry_kind" in d.value.columns)
    assert len(elim) == 4 and set(elim["entry_kind"]) == {
        "内部往来抵销",
        "内部交易抵销",
        "内部交易抵销（对方科目）",
    }


def test_a_statement_line_drills_to_gl_lines_and_documents(
    statements_fixture_build, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.setenv("LEDGERBRIDGE_WAREHOUSE", str(statements_fixture_build.path))
    monkeypatch.setenv("LEDGERBRIDGE_RUN_LOG", str(tmp_path / "none.sqlite"))
    at = reports("zh", "ORG_A", "2025-01")
    at.selectbox(key="rp_drill_balance_sheet_line").set_value("ACCOUNTS_RECEIVABLE").run()
    details = next(
        d.value for d in at.dataframe if {"account_code", "party_code", "amount"} <= set(d.value.columns)
    )
    # 应收账款 = the debit balances of 1122 by customer: only CB (113.00); C2's credit is 预收款项
    assert details[["account_code", "party_code", "amount"]].values.tolist() == [["1122", "CB", 113.0]]
    at.selectbox(key="rp_drill_balance_sheet_account").set_value("1122|customer|CB").run()
    lines = next(d.value for d in at.dataframe if {"voucher_no", "debit", "summary"} <= set(d.value.columns))
    assert lines[["voucher_no", "debit"]].values.tolist() == [[5, 113.0]]
    assert not at.exception


# --- the Chinese UI speaks Chinese ----------------------------------------------------------------

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
CODES = {
    code
    for table in ("recon_status", "event_type", "status", "match_tier", "entry_kind", "resource_type")
    for code in _labels()["codes"][table]
}
CODE_WORDS = re.compile(
    r"(?<![\w-])(" + "|".join(sorted(map(re.escape, CODES), key=len, reverse=True)) + r")(?![\w-])"
)


def _visible_text(at: AppTest, served: Path) -> list[tuple[str, str]]:
    """(where, text) of what the page shows, without code spans and the warehouse path."""
    out: list[tuple[str, str]] = []
    for kind in (
        "title",
        "header",
        "subheader",
        "caption",
        "markdown",
        "info",
        "warning",
        "success",
        "error",
    ):
        for el in getattr(at, kind):
            out.append((kind, str(el.value)))
    out += [("metric", m.label) for m in at.metric]
    for kind in ("selectbox", "multiselect", "radio"):
        for el in getattr(at, kind):
            out += [(kind, el.label)] + [(f"{kind} option", str(o)) for o in el.options]
    out += [("tab", t.label) for t in at.tabs]
    out += [("expander", e.label) for e in at.expander]
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        for trace in spec.get("data", []):
            out.append(("chart series", str(trace.get("name") or "")))
            if trace.get("type") == "bar" or trace.get("type") == "waterfall":
                axis = "y" if trace.get("orientation") == "h" else "x"
                out += [("chart category", str(v)) for v in trace.get(axis) or []]
    cleaned = []
    for where, text in out:
        text = re.sub(r"`[^`]*`", "", text).replace(str(served), "")
        text = re.sub(
            r"/[^\s（）()]+", "", text
        )  # file paths (the warehouse, the run log) are names, not words
        cleaned.append((where, text))
    return cleaned


PAGES = [
    (None, {}),
    ("reports", {}),
    ("reports", {"rp_org": "GROUP"}),
    ("reconciliation", {}),
    ("vouchers", {}),
    ("monitor", {}),
    ("sql_console", {}),
]


@pytest.mark.parametrize(("page", "choices"), PAGES)
def test_chinese_ui_has_no_raw_codes_and_no_snake_case_headers(
    demo_warehouse, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, page, choices
):
    served = Path(demo_warehouse)
    monkeypatch.setenv("LEDGERBRIDGE_WAREHOUSE", str(served))
    monkeypatch.setenv("LEDGERBRIDGE_RUN_LOG", str(tmp_path / "none.sqlite"))
    at = signed_in()
    if page:
        at.switch_page(f"app_pages/{page}.py").run()
    for key, value in choices.items():
        at.selectbox(key=key).set_value(value).run()
    assert not at.exception
    problems = []
    for where, text in _visible_text(at, served):
        if page == "sql_console" and where == "selectbox option":
            continue  # the SQL page lists the models by the names an analyst types
        problems += [(where, text, m) for m in SNAKE.findall(text)]
        problems += [(where, text, m) for m in CODE_WORDS.findall(text)]
    for frame in at.dataframe:
        config = json.loads(frame.proto.columns or "{}")
        for col in map(str, frame.value.columns):
            header = config.get(col, {}).get("label", col)
            if SNAKE.fullmatch(header) or not re.search(r"[\u4e00-\u9fff]|^\d{4}-\d{2}", header):
                problems.append(("header", col, header))
            name = config.get(col, {}).get("help", col)
            if name in ("recon_status", "event_type", "status", "match_tier", "entry_kind", "resource_type"):
                raw = set(frame.value[col].dropna().astype(str)) & CODES
                problems += [("cell", name, v) for v in raw]
    assert problems == [], problems[:20]


def test_a_cash_flow_line_drills_to_its_vouchers(
    statements_fixture_build, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.setenv("LEDGERBRIDGE_WAREHOUSE", str(statements_fixture_build.path))
    monkeypatch.setenv("LEDGERBRIDGE_RUN_LOG", str(tmp_path / "none.sqlite"))
    at = reports("zh", "ORG_A", "2025-01")
    at.selectbox(key="rp_drill_cash_flow_statement_line").set_value("CF_OP_SALES").run()
    moves = next(d.value for d in at.dataframe if "cash_effect" in d.value.columns)
    # 销售商品收到的现金 389.00 = C1's 339.00 and C2's advance 50.00
    assert sorted(moves["cash_effect"].tolist()) == [50.0, 339.0]
    assert set(moves["account_code"]) == {"1122"}
    assert not at.exception
