"""Who sees what, through the real app (AppTest) and its data layer.

* Without a session nothing but the login form renders, on every page.
* Login, wrong password, lockout, first-login password change, logout (a "refresh"
  with the old token shows the login form), single sign-on mapping.
* Each role reaches exactly the pages of ``app/roles.toml`` and takes only its actions;
  a page opened around the navigation is refused by the page guard and the data layer.
* An org-limited user's pages, downloads and consolidated figures hold only granted orgs,
  checked against direct queries of the demo warehouse.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from fixtures_access import PASSWORD, login_session
from statements_recompute import Recompute
from streamlit.testing.v1 import AppTest
from test_app_support import build_synthetic_warehouse, q

from app.lib import access, audited, downloads, scoping
from app.lib import queries as Q
from app.lib import warehouse as wh
from ledgerbridge.ops import audit, users
from ledgerbridge.roles import policy

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app" / "streamlit_app.py")
#: page key -> its script
PAGE_FILES = {
    "overview": "overview.py",
    "reports": "reports.py",
    "reconciliation": "reconciliation.py",
    "vouchers": "vouchers.py",
    "monitor": "monitor.py",
    "sql": "sql_console.py",
    "audit": "audit.py",
    "users": "users.py",
}
ROLES = ("management", "finance", "analyst", "auditor", "admin")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_synthetic_warehouse(tmp_path_factory.mktemp("access_wh") / "warehouse.duckdb")


@pytest.fixture(scope="module")
def demo(request: pytest.FixtureRequest) -> Path:
    env = os.environ.get("LEDGERBRIDGE_APP_TEST_WAREHOUSE")
    return Path(env) if env and Path(env).exists() else Path(request.getfixturevalue("demo_warehouse"))


@pytest.fixture
def on(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ops_db: str, fast_login):
    """``on(warehouse)``: point the app at a warehouse (and an empty run log)."""

    def use(path: Path) -> Path:
        monkeypatch.setenv("LEDGERBRIDGE_WAREHOUSE", str(path))
        monkeypatch.setenv("LEDGERBRIDGE_RUN_LOG", str(tmp_path / "no_run_log.sqlite"))
        return path

    return use


def app(user: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if user:
        login_session(at, user)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def switch(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"app_pages/{PAGE_FILES[page]}").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def reachable(at: AppTest) -> set[str]:
    """The pages the navigation offers this session (AppTest refuses the others)."""
    out = set()
    for key, file in PAGE_FILES.items():
        try:
            at.switch_page(f"app_pages/{file}")
        except ValueError:
            continue
        out.add(key)
    return out


def shows_data(at: AppTest) -> bool:
    return bool(at.dataframe or at.metric or at.get("plotly_chart"))


def texts(at: AppTest) -> list[str]:
    kinds = (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "code",
        "info",
        "warning",
        "error",
        "success",
    )
    return [str(e.value) for k in kinds for e in getattr(at, k)]


# --- no session, no data -------------------------------------------------------------------


def test_without_a_session_only_the_login_form_renders(on, synthetic):
    on(synthetic)
    at = app()
    assert [t.value for t in at.title] == ["登录 业财桥"]
    assert not shows_data(at)
    assert {w.key for w in at.text_input} == {"lb_login_user", "lb_login_password"}
    for file in PAGE_FILES.values():  # asking for a page by its URL still shows the login form
        at.switch_page(f"app_pages/{file}").run()
        assert [t.value for t in at.title] == ["登录 业财桥"] and not shows_data(at), file


@pytest.mark.parametrize("page", list(PAGE_FILES))
def test_a_page_run_around_the_app_shows_nothing_without_a_session(on, synthetic, page: str):
    on(synthetic)
    at = AppTest.from_file(str(ROOT / "app" / "app_pages" / PAGE_FILES[page]), default_timeout=60)
    at.session_state["lb_page"] = page
    at.run()
    assert not shows_data(at) and not at.exception
    assert any("无权访问" in e.value for e in at.error)


# --- login, lockout, logout ------------------------------------------------------------------


def _sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="lb_login_user").input(name)
    at.text_input(key="lb_login_password").input(password)
    at.button[0].click().run()
    return at


def test_password_login_and_logout(on, synthetic, make_user):
    on(synthetic)
    make_user("fiona", "finance")
    at = _sign_in(app(), "fiona", "wrong-password-1")
    assert any("用户名或密码不正确" in e.value for e in at.error) and not shows_data(at)
    at = _sign_in(at, "fiona", PASSWORD)
    assert at.title[0].value == "经营概览" and shows_data(at)
    token = at.session_state["lb_session"]
    at.button(key="lb_logout").click().run()
    assert at.title[0].value == "登录 业财桥" and not shows_data(at)
    assert any("已退出登录" in i.value for i in at.info)
    # a refresh that still carried the old token: the session is over
    again = AppTest.from_file(APP, default_timeout=60)
    again.session_state["lb_session"] = token
    again.run()
    assert again.title[0].value == "登录 业财桥" and not shows_data(again)
    acts = audit.read(actor="fiona")["action"].tolist()[::-1]
    assert acts[:3] == ["login_failed", "login", "page_view"] or acts[:2] == ["login_failed", "login"]
    assert "logout" in acts


def test_lockout_after_repeated_failures(on, synthetic, make_user):
    on(synthetic)
    make_user("lars", "finance")
    at = app()
    for _ in range(5):
        _sign_in(at, "lars", "not-the-password")
    assert any("已锁定" in e.value for e in at.error)
    _sign_in(at, "lars", PASSWORD)
    assert at.title[0].value == "登录 业财桥" and any("已锁定" in e.value for e in at.error)
    assert "account_locked" in audit.read(actor="lars")["action"].tolist()


def test_a_one_time_password_must_be_changed_first(on, synthetic, ops_db):
    on(synthetic)
    otp = users.add_user("olga", roles=["management"], orgs=["*"], actor="admin")
    at = _sign_in(app(), "olga", otp)
    assert at.title[0].value == "修改密码" and not shows_data(at)
    at.text_input(key="lb_first_old").input(otp)
    at.text_input(key="lb_first_new").input("a-brand-new-secret-9")
    at.text_input(key="lb_first_again").input("a-brand-new-secret-9")
    at.button(key="FormSubmitter:lb_first-修改密码").click().run()
    assert at.title[0].value == "经营概览" and shows_data(at)


def test_single_sign_on_maps_the_identity_to_a_user(on, synthetic, make_user):
    on(synthetic)
    make_user("sso.user", "management", email="sso.user@example.com")
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x"}
    at.run()
    assert any(b.label.startswith("企业账号登录") for b in at.button), "the SSO button is offered"
    # without the provider's settings in .streamlit/secrets.toml the button says so in one line
    at.button(key="lb_sso").click().run()
    assert not at.exception and any("尚未配置完整" in e.value for e in at.error)
    at.user = {"is_logged_in": True, "email": "SSO.User@example.com", "name": "S"}
    at.run()
    assert at.title[0].value == "经营概览"
    assert at.session_state["lb_method"] == "oidc"
    stranger = AppTest.from_file(APP, default_timeout=60)
    stranger.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x"}
    stranger.user = {"is_logged_in": True, "email": "nobody@example.com"}
    stranger.run()
    assert any("未开通" in e.value for e in stranger.error) and not shows_data(stranger)


# --- roles: pages and actions ----------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_exactly_its_pages(on, synthetic, make_user, role: str):
    on(synthetic)
    make_user(f"u.{role}", role)
    at = app(f"u.{role}")
    expected = set(policy().role(role).pages) & set(PAGE_FILES)
    assert reachable(at) == expected
    for page in sorted(expected):
        switch(at, page)
        assert not any("无权访问" in e.value for e in at.error), (role, page)
    assert at.session_state["lb_principal"].roles == (role,)


@pytest.mark.parametrize(
    ("role", "page"),
    [("management", "reconciliation"), ("management", "sql"), ("finance", "monitor"), ("analyst", "audit")],
)
def test_a_forbidden_page_run_directly_is_refused(on, synthetic, make_user, role: str, page: str):
    """Around the navigation: the page guard and the data layer refuse it."""
    on(synthetic)
    make_user("uu", role)
    at = AppTest.from_file(str(ROOT / "app" / "app_pages" / PAGE_FILES[page]), default_timeout=60)
    at.session_state["lb_principal"] = access.principal("uu", [role], ["*"])
    at.session_state["lb_page"] = page
    at.run()
    assert any("无权访问" in e.value for e in at.error) and not shows_data(at)
    # and the data layer refuses the page's queries even if a page forgot its guard
    with access.use(access.principal("uu", [role], ["*"])):
        name = {"reconciliation": "recon_summary", "sql": None, "monitor": "load_history", "audit": None}[
            page
        ]
        if name:
            res = wh.fetch_many(
                [(name, Q.page_requests("recon", _filters())[0][1] if page != "monitor" else ())]
            )
            assert isinstance(res[0], access.AccessDenied)


def _filters() -> dict:
    return {"orgs": ["ORG01"], "org": "ORG01", "p0": "2024-01", "p1": "2025-06", "period": "2025-06"}


def test_actions_follow_the_roles(on, synthetic, make_user):
    on(synthetic)
    for role in ("finance", "analyst", "admin", "auditor"):
        make_user(f"a.{role}", role)
    finance = switch(app("a.finance"), "vouchers")
    analyst = switch(app("a.analyst"), "vouchers")
    assert any(s.value == "导出所选凭证（财务导入格式）" for s in finance.subheader)
    assert not any(s.value == "导出所选凭证（财务导入格式）" for s in analyst.subheader)
    assert analyst.get("download_button"), "analysts download tables"
    admin = switch(app("a.admin"), "monitor")
    auditor = switch(app("a.auditor"), "monitor")
    assert any("503" in c.value for c in admin.code), "admins see error details"
    assert not any("503" in c.value for c in auditor.code), "auditors do not"
    assert any("quarantine_id" in d.value.columns or "raw_record" in d.value.columns for d in admin.dataframe)
    assert not any("raw_record" in d.value.columns for d in auditor.dataframe)
    # the data layer enforces the action, not only the page
    with access.use(access.principal("x", ["auditor"], ["*"])):
        assert isinstance(wh.fetch_many([("quarantine_rows", ())])[0], access.AccessDenied)
        with pytest.raises(access.AccessDenied):
            audited.download(
                lambda: b"", what="voucher_import", fmt="csv", frame=pd.DataFrame(), action="export_vouchers"
            )


def test_every_named_query_belongs_to_a_page():
    names = set(Q.SQL) | {"events_linked"}
    assert names - set(Q.QUERY_PAGES) == set(), "give each new query its pages in QUERY_PAGES"
    pages = set().union(*(r.pages for r in policy().roles.values())) | {"*"}
    assert {p for ps in Q.QUERY_PAGES.values() for p in ps} <= pages


def test_query_permissions_follow_the_roles():
    for role in ROLES:
        who = access.principal("x", [role], ["*"])
        for name, pages in Q.QUERY_PAGES.items():
            want = "*" in pages or bool(set(pages) & who.pages)
            if name in Q.QUERY_ACTIONS:
                want = want and who.can(Q.QUERY_ACTIONS[name])
            assert Q.may_run(who, name) == want, (role, name)
    assert not Q.may_run(access.principal("x", ["admin"], ["*"]), "a_query_nobody_listed")
    assert not Q.may_run(access.principal("x", ["no_such_role"], ["*"]), "kpi_monthly")


def test_no_session_reads_nothing(on, synthetic):
    on(synthetic)
    res = wh.fetch_many([("orgs", ()), ("kpi_monthly", (["ORG01"],))])
    assert all(isinstance(r, access.NotLoggedIn) for r in res)


def test_a_model_without_org_code_is_readable_only_when_listed():
    rels = pd.DataFrame(
        {
            "schema_name": ["core", "core", "staging", "seeds"],
            "table_name": ["fct_x", "dim_account", "stg_y", "s"],
        }
    )
    cols = pd.DataFrame({"schema_name": ["core"], "table_name": ["fct_x"], "column_name": ["org_code"]})
    readable = scoping.readable_models(rels, cols, policy())
    assert readable == {("core", "fct_x"): True, ("core", "dim_account"): False, ("seeds", "s"): False}
    with pytest.raises(access.AccessDenied):
        wh.render("select * from {stg_y}", rels, readable, ("ORG01",))
    sql, views = wh.render("select * from {fct_x}", rels, readable, ())
    assert sql == 'select * from "lb_core__fct_x"' and "where false" in views["lb_core__fct_x"]


# --- an org-limited user sees only granted orgs (demo warehouse) ---------------------------------


def _org_frames(at: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe if "org_code" in d.value.columns]


@pytest.mark.parametrize("page", ["reports", "reconciliation", "vouchers"])
def test_an_org_limited_user_sees_only_its_org(on, demo, make_user, page: str):
    on(demo)
    make_user("finance.org02", "finance", ["ORG02"])
    at = switch(app("finance.org02"), page)
    assert any("仅显示您有权限的组织：ORG02" in c.value for c in at.caption)
    frames = _org_frames(at)
    assert frames, "the page shows org data"
    for df in frames:
        assert set(df["org_code"].dropna()) <= {"ORG02"}, page
    for key in ("ov_orgs", "rc_orgs", "vp_orgs"):
        if key in [w.key for w in at.multiselect]:
            assert at.multiselect(key=key).options == ["ORG02 苏州明远精密制造有限公司"]
    if page == "reports":
        assert [o.split()[0] for o in at.selectbox(key="rp_org").options] == ["ORG02"], "no GROUP"


def test_limited_recon_counts_equal_the_warehouse(on, demo, make_user):
    on(demo)
    make_user("finance.org02", "finance", ["ORG02"])
    at = switch(app("finance.org02"), "reconciliation")
    at.toggle(key="rc_legs").set_value(True).run()  # the summary counts legs (recon items), not documents
    p0, p1 = at.selectbox(key="rc_p0").value, at.selectbox(key="rc_p1").value
    summary = next(
        d.value for d in at.dataframe if "item_count" in d.value.columns and "org_code" in d.value.columns
    )
    expected = q(
        demo,
        "select count(*) as n from reconciliation.recon_items "
        "where org_code = 'ORG02' and period between ? and ?",
        p0,
        p1,
    )["n"][0]
    assert int(summary["item_count"].sum()) == int(expected) > 0
    # control: an admin on the same page counts every org's items
    make_user("all.admin", "admin")
    full = switch(app("all.admin"), "reconciliation")
    full.toggle(key="rc_legs").set_value(True).run()
    full_summary = next(
        d.value for d in full.dataframe if "item_count" in d.value.columns and "org_code" in d.value.columns
    )
    assert set(full_summary["org_code"]) == {"ORG01", "ORG02", "ORG03"}
    assert int(full_summary["item_count"].sum()) > int(expected)


def test_overview_of_a_limited_user_equals_its_org(on, demo, make_user):
    on(demo)
    make_user("m.org02", "management", ["ORG02"])
    at = app("m.org02")
    p0, p1 = at.selectbox(key="ov_p0").value, at.selectbox(key="ov_p1").value
    rev = q(
        demo,
        "select sum(revenue) as v from finance.kpi_monthly where org_code = 'ORG02' "
        "and period between ? and ?",
        p0,
        p1,
    )["v"][0]
    assert next(m.value for m in at.metric if m.label == "营业收入") == f"{float(rev):,.2f}"


def test_consolidation_over_granted_orgs_is_computed_and_labelled(on, demo, make_user):
    on(demo)
    make_user("a.two", "analyst", ["ORG01", "ORG03"])
    at = app("a.two")
    assert any("合并（仅含已授权组织 ORG01, ORG03" in c.value for c in at.caption)
    p0, p1 = at.selectbox(key="ov_p0").value, at.selectbox(key="ov_p1").value
    # second route: the two orgs' books recomputed in Python from their GL lines and consolidated
    # (translated to CNY, what they sold each other eliminated; ORG02 is a third party here)
    con = duckdb.connect(str(demo), read_only=True)
    try:
        pl = Recompute(con, only=["ORG01", "ORG03"]).statements()["income_statement"]
    finally:
        con.close()
    revenue = pl[(pl.org_code == "GROUP") & (pl.line_code == "REVENUE") & pl.period.between(p0, p1)]
    expected = sum(int(v) for v in revenue["period_amount"]) / 100
    assert next(x.value for x in at.metric if x.label == "营业收入") == f"{expected:,.2f}"
    # control: the two orgs' own revenue, translated and simply added, is more (they trade)
    k = q(
        demo,
        "select sum(round(k.revenue * r.average_rate, 2)) as v from finance.kpi_monthly k join "
        "(select distinct org_code, period, average_rate from finance.trial_balance) r "
        "using (org_code, period) "
        "where k.org_code in ('ORG01', 'ORG03') and k.period between ? and ?",
        p0,
        p1,
    )["v"][0]
    assert float(k) > expected


def test_consolidation_over_every_org_matches_the_groups_own(demo):
    """The computed consolidation, run over every org, gives dbt's GROUP rows to the cent."""
    with access.use(access.principal("x", ["management"], ["*"])):
        _, (computed,) = wh.timed_uncached(demo, [("kpi_monthly_consolidated", ())])
    group = q(demo, "select * from finance.kpi_monthly where org_code = 'GROUP' order by period")
    both = computed.merge(group, on="period", suffixes=("_c", "_g"))
    assert len(both) == len(group) > 0
    for col in ("revenue", "gross_margin", "net_profit", "cash", "accounts_receivable", "total_assets"):
        assert (both[f"{col}_c"] == both[f"{col}_g"]).all(), col


def test_downloads_hold_only_granted_orgs_and_are_audited(on, demo, make_user):
    on(demo)
    make_user("finance.org02", "finance", ["ORG02"])
    who = access.principal("finance.org02", ["finance"], ["ORG02"])
    periods = q(demo, "select min(period) as a, max(period) as b from finance.trial_balance")
    f = {
        "orgs": ["ORG01", "ORG02", "ORG03"],
        "org": "ORG02",
        "p0": periods["a"][0],
        "p1": periods["b"][0],
        "period": periods["b"][0],
    }
    with access.use(who):
        requests = Q.page_requests("recon", f)
        frames = dict(zip([name for name, _ in requests], wh.fetch_many(requests), strict=True))
        exceptions = frames["recon_exceptions"]
        data = audited.download(
            lambda: downloads.to_csv_bytes(exceptions), what="recon_exceptions", fmt="csv", frame=exceptions
        )()
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert set(back["org_code"]) == {"ORG02"}
    n = q(
        demo,
        "select count(*) as n from reconciliation.recon_items where recon_status <> 'matched' "
        "and org_code = 'ORG02' and period between ? and ?",
        f["p0"],
        f["p1"],
    )["n"][0]
    assert len(back) == min(int(n), 2000)
    entry = audit.read(actions=["download"]).iloc[0]
    assert entry["checksum"] == hashlib.sha256(data).hexdigest()
    assert entry["orgs"] == "ORG02" and int(entry["row_count"]) == len(back)
    assert entry["actor"] == "finance.org02" and entry["target"] == "recon_exceptions.csv"


def test_sensitive_page_views_are_audited(on, synthetic, make_user):
    on(synthetic)
    make_user("v.fin", "finance")
    at = app("v.fin")
    switch(at, "reconciliation")
    at.run()  # a rerun of the same page is not a new view
    switch(at, "overview")
    views = audit.read(actor="v.fin", actions=["page_view"])["target"].tolist()
    assert views == ["reconciliation"]


def test_no_file_path_is_shown(on, demo, make_user):
    on(demo)
    make_user("root.admin", "admin")
    at = app("root.admin")
    secrets = [str(demo), str(demo.parent), str(ROOT)]
    for page in PAGE_FILES:
        switch(at, page)
        for text in texts(at):
            assert not any(s in text for s in secrets), (page, text[:200])


def test_the_developer_chrome_is_off():
    import tomllib

    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert cfg["client"]["toolbarMode"] == "viewer"
    assert cfg["client"]["showErrorDetails"] == "none"


def test_no_grant_sees_nothing_and_a_withdrawn_grant_applies_at_once(on, synthetic, make_user):
    on(synthetic)
    make_user("nogrant", "management", [])
    at = app("nogrant")
    assert any("尚未被授予" in w.value for w in at.warning) and not shows_data(at)
    make_user("soon.none", "management", ["ORG01"])
    at = app("soon.none")
    assert shows_data(at)
    users.set_access("soon.none", orgs=[], actor="admin")
    at.run()
    assert any("尚未被授予" in w.value for w in at.warning) and not shows_data(at)
    users.set_disabled("soon.none", True, actor="admin")
    at.run()
    assert at.title[0].value == "登录 业财桥"


@pytest.mark.parametrize(
    ("message", "kept"),
    [
        (
            'IO Error: Could not set lock on file "/srv/lb/data/warehouse.duckdb": busy',
            "IO Error: Could not set lock",
        ),
        ("Cannot open /tmp/x/y.csv and C:\\data\\wh.duckdb now", "Cannot open"),
        ("file/network access, 2025/03, http://host/path", "file/network access, 2025/03, http://host/path"),
    ],
)
def test_paths_are_redacted(message: str, kept: str):
    out = wh.redact(message)
    assert kept in out
    assert "/srv" not in out and "/tmp" not in out and "C:\\" not in out
