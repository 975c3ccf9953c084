"""Helpers for the app tests: a small synthetic warehouse with the planned
model names (used until/unless the real demo warehouse is available), and
the choice between the two.

Not a test module by itself (no tests); imported by ``test_app_*.py``.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import duckdb
import pandas as pd

PERIODS = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)][:18]  # 2024-01 .. 2025-06
ORGS = [
    ("ORG01", "上海明远科技有限公司", "Shanghai Mingyuan Technology", "CNY"),
    ("ORG03", "明远国际有限公司", "Mingyuan International", "USD"),
]
ACCOUNTS = [  # code, name, type, normal balance, parent, control
    ("1002", "银行存款", "asset", "debit", None, False),
    ("100201", "银行存款-人民币户", "asset", "debit", "1002", False),
    ("1122", "应收账款", "asset", "debit", None, True),
    ("1405", "库存商品", "asset", "debit", None, True),
    ("220201", "应付账款-供应商", "liability", "credit", "2202", True),
    ("22210101", "应交增值税-进项税额", "liability", "debit", "222101", True),
    ("22210108", "应交增值税-销项税额", "liability", "credit", "222101", True),
    ("4001", "实收资本", "equity", "credit", None, False),
    ("6001", "主营业务收入", "revenue", "credit", None, False),
    ("6401", "主营业务成本", "expense", "debit", None, False),
    ("660201", "管理费用-差旅费", "expense", "debit", "6602", False),
]
STATUSES = [
    "matched",
    "amount_mismatch",
    "missing_in_gl",
    "missing_in_business",
    "duplicate_posting",
    "timing",
    "fx_difference",
    "ambiguous",
]


def q(path: Path, sql: str, *params) -> pd.DataFrame:
    """A direct read of the warehouse (the tests' own arithmetic, never through the app)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, list(params)).df()
    finally:
        con.close()


def _last_day(period: str) -> dt.date:
    y, m = map(int, period.split("-"))
    nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def build_synthetic_warehouse(path: Path, seed: int = 7) -> Path:
    """Write a DuckDB file with every planned model and a few consistent rows."""
    rnd = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    con = duckdb.connect(str(path))
    con.execute(
        "create table dim_org (org_code varchar, org_name varchar, org_name_en varchar,"
        " base_currency varchar)"
    )
    con.executemany("insert into dim_org values (?, ?, ?, ?)", ORGS)
    con.execute("""create table dim_account (account_code varchar, account_name varchar, account_type varchar,
                   normal_balance varchar, parent_code varchar, is_control_account boolean)""")
    con.executemany("insert into dim_account values (?, ?, ?, ?, ?, ?)", ACCOUNTS)
    con.execute("comment on table dim_account is 'Chart of accounts (会计科目)'")
    con.execute("comment on column dim_account.account_code is 'Account code (科目代码)'")
    for dim, cols in (
        ("dim_supplier", "supplier_code varchar, supplier_name varchar"),
        ("dim_customer", "customer_code varchar, customer_name varchar"),
        ("dim_material", "material_code varchar, material_group varchar"),
        ("dim_employee", "employee_code varchar, employee_name varchar"),
        ("dim_department", "dept_code varchar, dept_name varchar"),
        ("dim_date", "date_day date, period varchar"),
    ):
        con.execute(f"create table {dim} ({cols})")
    con.executemany("insert into dim_customer values (?, ?)", [("C001", "华东电子"), ("C002", "Acme Corp")])
    con.executemany("insert into dim_supplier values (?, ?)", [("S001", "苏州精工"), ("S002", "Globex")])

    # business events and GL lines: per org and period, a sale chain and a purchase chain
    events, gl, recon, props, plines = [], [], [], [], []
    eid = gid = vid = 0
    for org, _n, _e, cur in ORGS:
        for pi, period in enumerate(PERIODS):
            day = _last_day(period) - dt.timedelta(days=5)
            for k in range(3):
                net = round(rnd.uniform(1000, 90000), 2)
                tax = round(net * 0.13, 2)
                cust = "C001" if k % 2 == 0 else "C002"
                so, dn, inv, rec = (
                    f"SO-{org}-{pi:02d}{k}",
                    f"DN-{org}-{pi:02d}{k}",
                    f"SI-{org}-{pi:02d}{k}",
                    f"RC-{org}-{pi:02d}{k}",
                )
                chain = [("DN", dn, net * 0.6, 0.0), ("SINV", inv, net, tax), ("REC", rec, net + tax, 0.0)]
                for etype, doc, n_amt, t_amt in chain:
                    eid += 1
                    g = round(n_amt + t_amt, 2)
                    events.append(
                        (
                            eid,
                            etype,
                            False,
                            doc,
                            org,
                            period,
                            day,
                            None,
                            cust,
                            None,
                            None,
                            cur,
                            round(n_amt, 2),
                            t_amt,
                            g,
                            round(n_amt, 2),
                            t_amt,
                            g,
                            so,
                            inv,
                        )
                    )
                    missing = k == 2 and etype == "REC" and pi % 4 == 0
                    status = (
                        "missing_in_gl"
                        if missing
                        else (
                            "amount_mismatch" if (k == 1 and etype == "SINV" and pi % 5 == 0) else "matched"
                        )
                    )
                    vid += 1
                    vno = f"{vid:04d}"
                    if etype == "DN":
                        legs = [("6401", round(n_amt, 2), 0.0), ("1405", 0.0, round(n_amt, 2))]
                        ctrl = "1405"
                    elif etype == "SINV":
                        gg = g + (10.0 if status == "amount_mismatch" else 0.0)
                        legs = [
                            ("1122", gg, 0.0),
                            ("6001", 0.0, round(n_amt, 2)),
                            ("22210108", 0.0, round(gg - round(n_amt, 2), 2)),
                        ]
                        ctrl = "1122"
                    else:
                        legs = [("100201", g, 0.0), ("1122", 0.0, g)]
                        ctrl = "1122"
                    if not missing:
                        for ln, (acct, d, c) in enumerate(legs, 1):
                            gid += 1
                            gl.append(
                                (
                                    gid,
                                    vid,
                                    org,
                                    period,
                                    day,
                                    "记",
                                    vno,
                                    ln,
                                    f"{etype} {doc}",
                                    doc,
                                    acct,
                                    d,
                                    c,
                                    cur,
                                    d or c,
                                    1.0,
                                    None,
                                    cust,
                                    None,
                                    None,
                                    doc,
                                )
                            )
                    gl_amt = None if missing else (legs[0][1])
                    recon.append(
                        (
                            status,
                            org,
                            period,
                            ctrl,
                            doc,
                            None if missing else f"记-{vno}",
                            g,
                            gl_amt,
                            round(g - (gl_amt or 0.0), 2),
                            "reference" if not missing else None,
                            "缺少总账凭证" if missing else ("金额不符" if status != "matched" else "已匹配"),
                            "missing in GL"
                            if missing
                            else ("amount differs" if status != "matched" else "matched"),
                            etype,
                            day,
                        )
                    )
                    if missing:
                        pid = f"P-{doc}"
                        props.append(
                            (
                                pid,
                                org,
                                etype,
                                doc,
                                period,
                                pi == 0,
                                "proposed",
                                "记",
                                day,
                                g,
                                g,
                                True,
                                "R-REC",
                            )
                        )
                        plines.append(
                            (
                                pid,
                                1,
                                org,
                                day,
                                "记",
                                f"收款 {doc}",
                                "100201",
                                g,
                                0.0,
                                cur,
                                g,
                                1.0,
                                None,
                                cust,
                                None,
                                None,
                                doc,
                                "R-REC",
                            )
                        )
                        plines.append(
                            (
                                pid,
                                2,
                                org,
                                day,
                                "记",
                                f"收款 {doc}",
                                "1122",
                                0.0,
                                g,
                                cur,
                                g,
                                1.0,
                                None,
                                cust,
                                None,
                                None,
                                doc,
                                "R-REC",
                            )
                        )
            # one orphan posting per org every 6 periods
            if pi % 6 == 3:
                recon.append(
                    (
                        "missing_in_business",
                        org,
                        period,
                        "220201",
                        None,
                        f"记-9{pi:03d}",
                        None,
                        500.0,
                        -500.0,
                        None,
                        "无业务单据的过账",
                        "posting without a document",
                        None,
                        None,
                    )
                )
    con.execute("""create table fct_business_events (event_id bigint, event_type varchar, is_reversal boolean,
        document_no varchar, org_code varchar, period varchar, event_date date, supplier_code varchar,
        customer_code varchar, employee_code varchar, dept_code varchar, currency varchar,
        net_amount decimal(18,2), tax_amount decimal(18,2), gross_amount decimal(18,2),
        net_amount_base decimal(18,2), tax_amount_base decimal(18,2), gross_amount_base decimal(18,2),
        order_no varchar, invoice_no varchar)""")
    con.executemany("insert into fct_business_events values (" + ",".join("?" * 20) + ")", events)
    con.execute("""create table fct_gl_lines (gl_line_id bigint, voucher_id bigint, org_code varchar,
        period varchar, voucher_date date, voucher_word varchar, voucher_no varchar, line_no integer,
        summary varchar, reference varchar, account_code varchar, debit decimal(18,2), credit decimal(18,2),
        currency varchar, amount_original decimal(18,2), fx_rate decimal(18,6), supplier_code varchar,
        customer_code varchar, employee_code varchar, dept_code varchar, source_document_no varchar)""")
    con.executemany("insert into fct_gl_lines values (" + ",".join("?" * 21) + ")", gl)
    con.execute("""create table trial_balance as
        with mv as (select org_code, period, account_code, sum(debit) as period_debit,
                           sum(credit) as period_credit from fct_gl_lines group by all),
        grid as (select o.org_code, p.period, a.account_code from (select distinct org_code from mv) o
                 cross join (select distinct period from mv) p
                 cross join (select distinct account_code from mv) a)
        select g.org_code, g.period, g.account_code,
               coalesce(sum(coalesce(mv.period_debit, 0) - coalesce(mv.period_credit, 0)) over w, 0)
                 - (coalesce(mv.period_debit, 0) - coalesce(mv.period_credit, 0)) as opening_balance,
               coalesce(mv.period_debit, 0)::decimal(18,2) as period_debit,
               coalesce(mv.period_credit, 0)::decimal(18,2) as period_credit,
               sum(coalesce(mv.period_debit, 0) - coalesce(mv.period_credit, 0)) over w as closing_balance
        from grid g left join mv using (org_code, period, account_code)
        window w as (partition by g.org_code, g.account_code order by g.period)""")
    # the statements (balance_sheet, income_statement, cash_flow_statement) are real dbt models: the
    # statement tests build them on a fixture (tests/statements_fixture.py); here they are missing
    con.execute("""create table kpi_monthly as
        select org_code, period,
          sum(case when account_code = '6001' then period_credit - period_debit else 0 end) as revenue,
          sum(case when account_code = '6001' then period_credit - period_debit
                   when account_code = '6401' then -(period_debit - period_credit) else 0 end)
            as gross_margin,
          sum(case when account_code like '66%' then period_debit - period_credit else 0 end) as opex,
          sum(case when account_code in ('6001') then period_credit - period_debit
                   when account_code like '6%' then -(period_debit - period_credit) else 0 end) as net_profit,
          sum(case when account_code like '1002%' then closing_balance else 0 end) as cash,
          sum(case when account_code = '1122' then closing_balance else 0 end) as ar,
          sum(case when account_code like '2202%' then -closing_balance else 0 end) as ap
        from trial_balance group by org_code, period""")
    con.execute("""create table ar_aging as
        select org_code || '|' || period || '|' || customer_code as aging_id,
               org_code, period, customer_code, 1000.00 as bucket_0_30, 200.00 as bucket_31_60,
               50.00 as bucket_61_90, 25.00 as bucket_over_90, 1275.00 as total
        from (select distinct org_code, period from trial_balance)
        cross join (values ('C001'), ('C002')) c(customer_code)""")
    con.execute("""create table ap_aging as
        select org_code || '|' || period || '|S001' as aging_id,
               org_code, period, 'S001' as supplier_code, 800.00 as bucket_0_30, 0.00 as bucket_31_60,
               0.00 as bucket_61_90, 10.00 as bucket_over_90, 810.00 as total
        from (select distinct org_code, period from trial_balance)""")
    con.execute("""create table expense_by_department as
        select org_code || '|' || period || '|' || d.dept_code as expense_id,
               org_code, period, d.dept_code, 'travel' as expense_type,
               (10 * length(period) + 7)::decimal(18,2)
               as amount from (select distinct org_code, period from trial_balance)
        cross join (values ('D01'), ('D02')) d(dept_code)""")
    con.execute("""create table sales_margin as
        select e.org_code || '|' || e.period || '|' || e.customer_code as sales_margin_id,
               e.org_code, e.period, e.customer_code, 'MG-A' as material_group,
               sum(case when event_type = 'SINV' then net_amount_base else 0 end) as revenue,
               sum(case when event_type = 'DN' then net_amount_base else 0 end) as cost,
               sum(case when event_type = 'SINV' then net_amount_base else -net_amount_base end)
                 as gross_margin
        from fct_business_events e where event_type in ('SINV', 'DN') group by all""")
    con.execute("""create table recon_items (recon_status varchar, org_code varchar, period varchar,
        control_account varchar, business_document_no varchar, gl_voucher_no varchar,
        business_amount_base decimal(18,2), gl_amount_base decimal(18,2), difference decimal(18,2),
        match_tier varchar, reason_zh varchar, reason_en varchar, event_type varchar, item_date date)""")
    con.executemany("insert into recon_items values (" + ",".join("?" * 14) + ")", recon)
    con.execute("alter table recon_items add column item_id varchar")
    con.execute("update recon_items set item_id = 'I|' || rowid")
    con.execute("""create table recon_account_bridge as
        select org_code, period, control_account,
               0.00::decimal(18,2) as subledger_opening,
               sum(coalesce(business_amount_base, 0)) as subledger_closing,
               0.00::decimal(18,2) as gl_opening,
               sum(coalesce(gl_amount_base, 0)) as gl_closing,
               sum(case when recon_status = 'amount_mismatch' then -difference else 0 end) as amount_mismatch,
               sum(case when recon_status = 'missing_in_gl' then -difference else 0 end) as missing_in_gl,
               sum(case when recon_status = 'missing_in_business' then -difference else 0 end)
                 as missing_in_business,
               0.00::decimal(18,2) as duplicate_posting, 0.00::decimal(18,2) as timing,
               0.00::decimal(18,2) as fx_difference, 0.00::decimal(18,2) as ambiguous,
               0.00::decimal(18,2) as unexplained
        from recon_items group by all""")
    con.execute("""create table voucher_proposals (proposal_id varchar, org_code varchar, event_type varchar,
        source_document_no varchar, target_period varchar, period_shifted boolean, status varchar,
        voucher_word varchar, voucher_date date, total_debit decimal(18,2), total_credit decimal(18,2),
        is_balanced boolean, rule_id varchar)""")
    con.executemany("insert into voucher_proposals values (" + ",".join("?" * 13) + ")", props)
    con.execute("""create table voucher_proposal_lines (
        proposal_id varchar, line_no integer, org_code varchar,
        voucher_date date, voucher_word varchar, summary varchar, account_code varchar, debit decimal(18,2),
        credit decimal(18,2), currency varchar, amount_original decimal(18,2), fx_rate decimal(18,6),
        supplier_code varchar, customer_code varchar, employee_code varchar, dept_code varchar,
        source_document_no varchar, rule_id varchar)""")
    con.executemany("insert into voucher_proposal_lines values (" + ",".join("?" * 18) + ")", plines)
    con.execute("""create table voucher_unposted as select * from (values
        (9001, 'EC-0001', 'EC_APPROVE', 'ORG01', 'NO_RULE', 'expense type GIFT has no posting rule'),
        (9002, 'PI-0002', 'PINV', 'ORG03', 'UNMAPPED', 'supplier S999 not in dim_supplier'))
        t(event_id, document_no, event_type, org_code, unposted_reason, detail)""")
    con.execute("""create table mon_unmapped_codes as select * from (values
        ('erp', 'supplier_code', 'S999', 3)) t(source_system, code_type, code, occurrences)""")
    con.execute("""create table mon_quarantine as select * from (values
        ('Q1', 'finance', 'gl_lines', 'gl/2025-03/vouchers.csv:17', '记-0017/2', 'BAD_AMOUNT',
         '{"debit": "12,3x"}'),
        ('Q2', 'erp', 'customers', 'customers', 'C0X', 'MISSING_KEY', '{"customer_code": null}'))
        t(quarantine_id, source_name, table_name, source_location, record_key, reason, raw_record)""")
    con.execute("""create table mon_load_history as select * from (values
        ('r1', 'erp', 'sales_orders', timestamp '2025-07-01 02:00:00', timestamp '2025-07-01 02:00:40',
         'success', 1200, 0, null),
        ('r1', 'finance', 'gl_lines', timestamp '2025-07-01 02:00:00', timestamp '2025-07-01 02:01:10',
         'success', 5400, 1, null),
        ('r2', 'expense', 'claims', timestamp '2025-07-02 02:00:00', timestamp '2025-07-02 02:00:05',
         'failed', 0, 0, 'ConnectionError: expense API answered 503 after 5 retries\\nTraceback line 2'),
        ('r0', 'expense', 'claims', timestamp '2025-06-30 02:00:00', timestamp '2025-06-30 02:00:20',
         'success', 300, 0, null))
        t(run_id, source, table_name, started_at, ended_at, status, rows_loaded, rows_quarantined, error)""")
    con.execute("""create table mon_recon_trend as
        select period, recon_status, count(*) as item_count from recon_items
        where recon_status <> 'matched' group by all""")
    con.execute("create schema ops")
    con.execute("""create table ops.dbt_results as select * from (values
        ('test.not_null_fct_gl_lines_gl_line_id', 'pass', 0, 0.02),
        ('test.bridge_closes', 'pass', 0, 0.05),
        ('test.unmapped_codes_warn', 'warn', 1, 0.01)) t(unique_id, status, failures, execution_time)""")
    con.execute("CHECKPOINT")
    con.close()
    return path
