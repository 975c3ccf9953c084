"""Chinese / English UI text. Chinese is the default; the sidebar switches.

Every visible label goes through :func:`t` so a page never hard-codes one
language. Unknown keys fall back to the key itself (visible, never a crash).
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

from app.lib.access_text import TEXT as ACCESS_TEXT

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
_STATE_KEY = "lang"

TEXT: dict[str, tuple[str, str]] = {
    # chrome
    "app_title": ("业财桥 ledgerbridge", "ledgerbridge 业财桥"),
    "language": ("语言 / Language", "Language / 语言"),
    "warehouse": ("数据仓库", "Warehouse"),
    "published_at": ("发布时间", "Published"),
    "wh_missing": (
        "尚未找到数据仓库。请先运行 `make demo` 或 `ledgerbridge run` 生成并发布数据仓库。",
        "No warehouse yet. Run `make demo` or `ledgerbridge run` to build and publish it.",
    ),
    "wh_empty": (
        "数据仓库中还没有任何模型。请运行 `make demo` 或 `ledgerbridge run`。",
        "The warehouse has no models yet. Run `make demo` or `ledgerbridge run`.",
    ),
    "wh_error": ("无法读取数据仓库：{error}", "Cannot read the warehouse: {error}"),
    "model_missing": (
        "模型 {models} 尚未在数据仓库中生成，此部分暂不可用。",
        "Model {models} is not in the warehouse yet; this section is not available.",
    ),
    "query_failed": (
        "查询 {name} 失败（模型结构可能已变化）：{error}",
        "Query {name} failed (the model's shape may have changed): {error}",
    ),
    "no_data": ("所选条件下没有数据。", "No data for the chosen filters."),
    "download_xlsx": ("下载 XLSX", "Download XLSX"),
    "download_csv": ("下载 CSV", "Download CSV"),
    "rows_shown": ("显示 {shown} / {total} 行", "Showing {shown} of {total} rows"),
    # filters
    "org": ("组织", "Org"),
    "orgs": ("组织（可多选，空=全部）", "Orgs (empty = all)"),
    "period": ("期间", "Period"),
    "period_from": ("起始期间", "From period"),
    "period_to": ("截止期间", "To period"),
    "currency": ("币别", "Currency"),
    "all": ("全部", "All"),
    "choose": ("请选择", "Choose"),
    "consolidated": ("合并（报告币 CNY）", "Consolidated (reporting CNY)"),
    "status": ("状态", "Status"),
    "event_type": ("业务类型", "Event type"),
    "control_account": ("控制科目", "Control account"),
    "search": ("搜索单据号/凭证号", "Search document / voucher no"),
    # pages
    "page_overview": ("经营概览", "Management overview"),
    "page_reports": ("财务报表", "Financial reports"),
    "page_recon": ("业财对账工作台", "Reconciliation workbench"),
    "page_vouchers": ("凭证建议", "Voucher proposals"),
    "page_monitor": ("集成监控", "Integration monitor"),
    "page_sql": ("分析师 SQL", "Analyst SQL"),
    # overview
    "revenue": ("营业收入", "Revenue"),
    "gross_margin": ("毛利", "Gross margin"),
    "opex": ("期间费用", "Operating expenses"),
    "net_profit": ("净利润", "Net profit"),
    "cash": ("货币资金", "Cash"),
    "ar": ("应收账款", "Accounts receivable"),
    "ap": ("应付账款", "Accounts payable"),
    "overdue_ar": ("逾期应收", "Overdue AR"),
    "mixed_currency": (
        "所选组织的本位币不同，金额按各自本位币相加；选择全部组织可查看合并报表（CNY）。",
        "The chosen orgs have different base currencies; amounts add up in each base currency. "
        "Choose all orgs for the consolidated view (CNY).",
    ),
    "group": ("集团合并（CNY）", "Group consolidated (CNY)"),
    "open_exceptions": ("未清对账差异", "Open recon exceptions"),
    "vs_prev": ("环比", "vs prev."),
    "vs_ly": ("同比", "vs last year"),
    "prev_period": ("上期 {p}", "Prev. {p}"),
    "ly_period": ("去年同期 {p}", "Same period LY {p}"),
    "kpis_for": ("{orgs} · {p0} 至 {p1}", "{orgs} · {p0} to {p1}"),
    "trend": ("月度趋势", "Monthly trend"),
    "by_org": ("按组织", "By org"),
    "by_customer": ("按客户（销售毛利）", "By customer (sales margin)"),
    "by_material_group": ("按物料组", "By material group"),
    "by_department": ("按部门（费用）", "By department (expenses)"),
    "metric": ("指标", "Metric"),
    # reports
    "trial_balance": ("科目余额表", "Trial balance"),
    "income_statement": ("利润表", "Income statement"),
    "balance_sheet": ("资产负债表", "Balance sheet"),
    "ar_aging": ("应收账龄", "AR aging"),
    "ap_aging": ("应付账龄", "AP aging"),
    "expense_by_department": ("部门费用", "Expense by department"),
    "sales_margin": ("销售毛利", "Sales margin"),
    "drill_account": ("钻取科目 → 明细账", "Drill into account → GL lines"),
    "drill_doc": ("钻取单据 → 业务链", "Drill into document → business chain"),
    "gl_lines_of": ("{acct} 在 {p} 的明细账（{n} 行）", "GL lines of {acct} in {p} ({n} lines)"),
    "doc_chain": ("单据链：{doc}", "Document chain: {doc}"),
    "chain_events": (
        "业务单据（订单→入库/发货→发票→付款/收款）",
        "Business documents (order→receipt/delivery→invoice→payment)",
    ),
    "chain_vouchers": ("相关凭证", "Vouchers"),
    "drill_needs_org": ("合并报表不能直接钻取，请选择一个组织。", "Choose one org to drill into GL lines."),
    "no_account": ("— 选择科目 —", "— choose an account —"),
    "no_doc": ("— 选择单据 —", "— choose a document —"),
    "cash_flow_statement": ("现金流量表", "Cash flow statement"),
    "eliminations": ("合并抵销", "Eliminations"),
    "fs_line_no": ("行次", "Line"),
    "fs_item": ("项目", "Item"),
    "fs_closing_balance": ("期末余额", "End of period"),
    "fs_prior_year_end_balance": ("上年年末余额", "End of previous year"),
    "fs_period_amount": ("本期金额", "This period"),
    "fs_ytd_amount": ("本年累计金额", "Year to date"),
    "fs_prior_year_period_amount": ("上年同期金额", "Same period last year"),
    "fs_prior_year_ytd_amount": ("上期金额（上年累计）", "Last year to date"),
    "fs_heading": ("编制单位：{org}　　{p}　　单位：元　币别：{cur}", "{org} · {p} · amounts in {cur}"),
    "fs_balanced": (
        "资产总计 {a} = 负债和所有者权益总计 {b}，报表平衡。",
        "Total assets {a} = total liabilities and equity {b}: the balance sheet balances.",
    ),
    "fs_unbalanced": (
        "资产总计 {a} ≠ 负债和所有者权益总计 {b}，报表不平衡！",
        "Total assets {a} ≠ total liabilities and equity {b}: the balance sheet does not balance!",
    ),
    "cf_unclassified": ("未能分类的现金流量明细（{n} 笔）", "Cash flows not classified ({n})"),
    "drill_statement": (
        "钻取：报表项目 → 科目/往来单位 → 明细账 → 单据",
        "Drill down: line → accounts / parties → GL lines → documents",
    ),
    "drill_line": ("报表项目", "Statement line"),
    "no_line": ("— 选择报表项目 —", "— choose a line —"),
    "drill_line_of": ("{line}（{p}）的构成：{n} 项", "{line} ({p}): {n} parts"),
    "drill_figure": ("钻取数字：{kpi}", "Drill into: {kpi}"),
    "tb_group_note": (
        "合并科目余额表为各组织折算后相加（未抵销），内部往来与交易的抵销见“合并抵销”。",
        "The group trial balance adds up the orgs' translated balances before eliminations; "
        "see Eliminations.",
    ),
    "eliminations_note": (
        "集团内部往来余额与内部交易的抵销分录（报告币）；两边余额之差单列为“内部往来差额”。",
        "Intercompany balances and transactions eliminated (reporting currency); what the two "
        "sides leave over is listed as the intercompany difference.",
    ),
    "no_eliminations": (
        "本期没有集团内部往来或交易需要抵销。",
        "No intercompany balances or transactions this period.",
    ),
    "documents": ("单据", "Documents"),
    "runlog_runs": ("刷新运行", "Refresh runs"),
    "runlog_run_steps": ("运行步骤", "Run steps"),
    "runlog_dbt_results": ("模型与测试结果", "Model and test results"),
    "difference": ("差额", "Difference"),
    "business_document_no": ("业务单据编号", "business document no."),
    "gl_voucher_no": ("总账凭证号", "GL voucher no."),
    "legs": ("分录", "Legs"),
    "show_legs": ("显示分录数", "Show legs"),
    "doc_count_help": ("按单据计数（一张单据可有多条分录）", "Documents (a document can have several legs)"),
    "sql_limits": (
        "行数上限 {rows:,} · 超时 {secs:g} 秒 · 内存上限 {mem} · 只读，不能访问文件、网络或扩展",
        "row limit {rows:,} · timeout {secs:g} s · memory {mem} · read-only, no file/network/extension "
        "access",
    ),
    "chart_kind": ("图表类型", "Chart type"),
    "bar": ("柱状图", "Bar"),
    "line": ("折线图", "Line"),
    "kpi_range_default": (
        "默认为最近已结账月份，与上月及去年同月比较。",
        "Defaults to the latest closed month, compared with the month before and the same month last year.",
    ),
    # recon
    "count": ("笔数", "Count"),
    "amount": ("金额", "Amount"),
    "by_status": ("按状态", "By status"),
    "by_account": ("按控制科目", "By control account"),
    "by_period": ("按期间", "By period"),
    "bridge": ("科目桥接（子账 → 总账）", "Account bridge (subledger → GL)"),
    "exceptions": ("差异清单", "Exceptions"),
    "open_trend": ("未清差异趋势", "Open exceptions trend"),
    "business_side": ("业务侧", "Business side"),
    "gl_side": ("总账侧", "GL side"),
    "age_days": ("账龄（天）", "Age (days)"),
    "reason": ("原因", "Reason"),
    "unexplained": ("未解释差异", "Unexplained"),
    "subledger_closing": ("子账期末", "Subledger closing"),
    "gl_closing": ("总账期末", "GL closing"),
    # vouchers
    "proposals": ("凭证建议", "Proposals"),
    "proposal": ("凭证建议单", "Proposal"),
    "voucher_word_no": ("凭证字号", "Voucher word & no"),
    "summary": ("摘要", "Summary"),
    "account": ("科目", "Account"),
    "debit": ("借方", "Debit"),
    "credit": ("贷方", "Credit"),
    "total": ("合计", "Total"),
    "balanced": ("✅ 借贷平衡", "✅ Balanced"),
    "unbalanced": ("❌ 借贷不平", "❌ Not balanced"),
    "source_document": ("来源单据", "Source document"),
    "rule": ("过账规则", "Posting rule"),
    "period_shifted": ("⚠ 原期间已结账，顺延至 {p}", "⚠ Original period closed; moved to {p}"),
    "unposted": ("无法生成凭证的业务", "Events without a voucher"),
    "export_selected": ("导出所选凭证（财务导入格式）", "Export selected proposals (finance import layout)"),
    "select_proposals": ("选择要导出的凭证建议", "Proposals to export"),
    "voucher_date": ("凭证日期", "Voucher date"),
    # monitor
    "sources": ("数据源", "Sources"),
    "last_run": ("最近运行", "Last run"),
    "duration_s": ("耗时（秒）", "Duration (s)"),
    "rows_loaded": ("加载行数", "Rows loaded"),
    "rows_quarantined": ("隔离行数", "Rows quarantined"),
    "freshness": ("新鲜度", "Freshness"),
    "run_history": ("运行历史", "Run history"),
    "last_error": ("最近错误", "Last error"),
    "quarantine": ("隔离数据", "Quarantined rows"),
    "data_quality": ("数据质量（重复、删除、文件变更）", "Data quality (duplicates, deletions, files)"),
    "no_findings": ("没有数据质量问题。", "No data-quality findings."),
    "dbt_tests": ("dbt 测试结果", "dbt test results"),
    "unmapped": ("未映射代码", "Unmapped codes"),
    "recon_trend": ("对账差异趋势", "Reconciliation exception trend"),
    "refresh_runs": ("刷新运行步骤", "Refresh run steps"),
    "no_runs": ("尚无运行记录。", "No runs yet."),
    "no_error": ("最近没有错误。", "No recent error."),
    # sql
    "sql_editor": ("SQL（只读）", "SQL (read-only)"),
    "run": ("运行", "Run"),
    "models": ("模型与字段说明", "Models and columns"),
    "model": ("模型", "Model"),
    "quick_chart": ("快速图表", "Quick chart"),
    "x_axis": ("X 轴", "X axis"),
    "y_axis": ("Y 轴", "Y axis"),
    "sql_refused": ("已拒绝：{msg}", "Refused: {msg}"),
    "sql_error": ("查询错误：{msg}", "Query error: {msg}"),
    "sql_result": ("{n} 行，用时 {s:.2f} 秒{trunc}", "{n} rows in {s:.2f} s{trunc}"),
    "truncated": ("（已截断至上限）", " (truncated at the row limit)"),
}

TEXT.update(ACCESS_TEXT)  # login, roles, audit, user admin and console texts


def get_lang() -> str:
    """The current UI language from the session (Chinese unless switched)."""
    try:
        import streamlit as st

        lang = st.session_state.get(_STATE_KEY, DEFAULT_LANG)
    except Exception:  # outside a Streamlit session
        lang = DEFAULT_LANG
    return lang if lang in LANGS else DEFAULT_LANG


def t(key: str, lang: str | None = None, **kwargs: object) -> str:
    """The text for ``key`` in ``lang`` (default: the session's), formatted with ``kwargs``."""
    lang = lang or get_lang()
    pair = TEXT.get(key)
    text = key if pair is None else pair[LANGS.index(lang)]
    return text.format(**kwargs) if kwargs else text


@functools.cache
def _labels() -> dict:
    with open(Path(__file__).with_name("column_labels.toml"), "rb") as f:
        return tomllib.load(f)


#: Words an English header spells differently from its column name.
_EN_WORDS = {
    "id": "ID",
    "gl": "GL",
    "fx": "FX",
    "ytd": "YTD",
    "vat": "VAT",
    "erp": "ERP",
    "dbt": "dbt",
    "rpt": "(CNY)",
    "pct": "%",
    "mom": "MoM",
    "yoy": "YoY",
    "ar": "AR",
    "ap": "AP",
    "s": "(s)",
    "no": "no.",
    "en": "(English)",
    "zh": "(Chinese)",
}


def readable(name: str) -> str:
    """A snake_case name as an English header: ``closing_balance_rpt`` -> ``Closing balance (CNY)``."""
    words = [_EN_WORDS.get(w, w) for w in str(name).split("_") if w]
    text = " ".join(words) or str(name)
    return text[:1].upper() + text[1:]


def column_label(name: str, lang: str | None = None) -> str:
    """A table column's header in ``lang``: its label from ``column_labels.toml``; an English
    header not listed is the name made readable."""
    lang = lang or get_lang()
    label = _labels().get(lang, {}).get(name)
    if label:
        return label
    return readable(name) if lang == "en" else name


def code_column(column: str) -> str | None:
    """The code list a column's values come from (``[codes.*]``), or None."""
    labels = _labels()
    column = labels.get("codes_alias", {}).get(column, column)
    return column if column in labels.get("codes", {}) else None


def code_label(column: str, value: object, lang: str | None = None) -> object:
    """A code value of ``column`` in the UI language (``missing_in_gl`` -> 未入账); unknown values as is."""
    codes = code_column(column)
    if codes is None or not isinstance(value, str):
        return value
    pair = _labels()["codes"][codes].get(value)
    return value if pair is None else pair[LANGS.index(lang or get_lang())]


def status_label(status: str, lang: str | None = None) -> str:
    """A reconciliation status in the UI language (未入账 / Missing in GL)."""
    return str(code_label("recon_status", status, lang))


def model_note(model: str, lang: str | None = None) -> str | None:
    """What a model holds, in Chinese (``[models]``); None when there is no note or in English."""
    if (lang or get_lang()) != "zh":
        return None
    return _labels().get("models", {}).get(model)


def display_rules() -> dict[str, list[str]]:
    """Columns tables hide, show first and show last (``[display]``)."""
    return _labels().get("display", {})
