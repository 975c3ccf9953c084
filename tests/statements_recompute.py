"""The statements recomputed in Python from the GL lines: a second route, written
apart from the dbt models, to check every line of them.

Reads from a built warehouse only the GL lines (``core.fct_gl_lines``), the chart of
accounts, the orgs, their periods, the period FX rates and the seeds (the rules
finance configures), and computes in integer cents:

* per org, base currency - the balance sheet at each period end and at the end of
  the previous fiscal year, the income statement (month and year to date, P&L
  closing vouchers left out), the cash flow statement (month);
* the group in the reporting currency - balances at closing rates (per account, or
  per party where a rule splits by party), P&L at average rates, the per-org
  translation difference, intercompany eliminations, the cash flow with its FX
  effect.

Rounding follows the warehouse's conventions (half away from zero, at the same
grain: an account's period debits and credits, a party's balance, an org's cash
flow line). Not a test module.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

Key = tuple[str, str, str]  # org, period, line


def _cents(values) -> pd.Series:
    return pd.Series(
        [int((Decimal(str(v)) * 100).to_integral_value(ROUND_HALF_UP)) for v in values], dtype=object
    )


def _convert(cents: int, rate: Decimal) -> int:
    """``round(cents × rate)`` half away from zero, in cents."""
    return int((Decimal(cents) * rate).to_integral_value(ROUND_HALF_UP))


def _longest(code: str, prefixes) -> str | None:
    hits = [p for p in prefixes if code.startswith(p)]
    return max(hits, key=len) if hits else None


def _shift(period: str, months: int) -> str:
    y, m = map(int, period.split("-"))
    i = y * 12 + m - 1 + months
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


class Recompute:
    """Everything read once from the warehouse, and the statements computed from it."""

    def __init__(self, con, only: Iterable[str] | None = None) -> None:
        """``only``: these orgs' books alone, and 'GROUP' their consolidation (intercompany only
        between two of them; a group org outside is a third party)."""
        q = lambda sql: con.execute(sql).df()  # noqa: E731
        gl = q("""select org_code, period, voucher_id, account_code, debit, credit,
                         customer_code, supplier_code, employee_code from core.fct_gl_lines""")
        gl["net"] = (_cents(gl["debit"]) - _cents(gl["credit"])).astype(object)
        gl["dr"] = _cents(gl["debit"])
        gl["cr"] = _cents(gl["credit"])
        self.gl = gl
        accts = q("select account_code, statement from core.dim_account")
        self.is_pl = {
            a: s == "income_statement" for a, s in zip(accts.account_code, accts.statement, strict=True)
        }
        orgs = q("select org_code, base_currency from core.dim_org")
        self.base = dict(zip(orgs.org_code, orgs.base_currency, strict=True))
        self.rpt = "CNY"
        periods = q("select distinct org_code, period from core.dim_period")
        grid: dict[str, set[str]] = defaultdict(set)
        for o, p in zip(periods.org_code, periods.period, strict=True):
            grid[o].add(p)
        for o, p in zip(gl.org_code, gl.period, strict=True):
            grid[o].add(p)
        self.periods = {o: sorted(ps) for o, ps in grid.items()}
        rates = q("""select period, from_currency, average_rate, closing_rate
                     from intermediate.int_fx_period_rates where to_currency = 'CNY'""")
        self.rates = {
            (p, c): (Decimal(str(a)), Decimal(str(cl))) for p, c, a, cl in rates.itertuples(index=False)
        }
        self.lines = q("select * from seeds.fs_lines")
        self.direction = {
            (s, code): (-1 if n in ("credit", "outflow") else 1)
            for s, code, n in zip(
                self.lines.statement, self.lines.line_code, self.lines.normal_side, strict=True
            )
        }
        self.kind = {
            (s, c): k
            for s, c, k in zip(self.lines.statement, self.lines.line_code, self.lines.kind, strict=True)
        }
        f = q("select * from seeds.fs_line_formulas")
        self.formulas: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
        for s, line, comp, w in f.itertuples(index=False):
            self.formulas[(s, line)].append((comp, int(w)))
        rules = q("select * from seeds.fs_account_rules")
        rules["is_memo"] = [
            self.kind[(s, c)] == "memo" for s, c in zip(rules.statement, rules.line_code, strict=True)
        ]
        self.rules = rules
        self.cf_rules = q("select * from seeds.cash_flow_rules")
        # the group's orgs as counterparties: the ERP parties with a group org's tax id, and the seed
        ic = q("select group_org_code, party_type, party_code from seeds.group_counterparties")
        has_erp = q(
            "select count(*) as n from information_schema.tables where table_schema = 'staging' "
            "and table_name in ('stg_erp__orgs', 'stg_erp__suppliers', 'stg_erp__customers')"
        )["n"][0]
        if has_erp == 3:
            by_tax_id = q("""
                select o.org_code as group_org_code, 'supplier' as party_type, p.supplier_code as party_code
                from staging.stg_erp__orgs o join staging.stg_erp__suppliers p on p.tax_id = o.tax_id
                union all
                select o.org_code, 'customer', p.customer_code
                from staging.stg_erp__orgs o join staging.stg_erp__customers p on p.tax_id = o.tax_id""")
            ic = pd.concat([ic, by_tax_id])
        self.ic = {(t, c): o for o, t, c in ic.itertuples(index=False)}
        self.elim = q("select * from seeds.elimination_rules")
        closing_prefix = q(
            "select value from seeds.fs_settings where setting = 'profit_closing_account_prefix'"
        )
        self.closing_prefixes = list(closing_prefix["value"])
        if only is not None:
            keep = set(only)
            self.gl = self.gl[self.gl.org_code.isin(keep)].reset_index(drop=True)
            self.periods = {o: ps for o, ps in self.periods.items() if o in keep}
            self.ic = {party: o for party, o in self.ic.items() if o in keep}

    # --- rules -------------------------------------------------------------------------

    def matches(self, statement: str, account: str, memo: bool) -> pd.DataFrame:
        r = self.rules[(self.rules.statement == statement) & (self.rules.is_memo == memo)]
        best = _longest(account, set(r.account_prefix))
        return r[r.account_prefix == best] if best else r.iloc[0:0]

    def rate(self, org: str, period: str, which: int) -> Decimal:
        if self.base[org] == self.rpt:
            return Decimal(1)
        return self.rates[(period, self.base[org])][which]

    # --- balances per detail -----------------------------------------------------------------

    @functools.cached_property
    def detail_rows(self) -> pd.DataFrame:
        """:meth:`details`, computed once."""
        return self.details()

    def details(self) -> pd.DataFrame:
        """One row per org, period, account and party (where a rule splits by party): closing
        balance, its translation, the statement movement and its translation, in cents."""
        gl = self.gl
        party_type = {}
        for a in gl.account_code.unique():
            m = self.matches("balance_sheet", a, False)
            types = set(m.party_type.dropna())
            party_type[a] = types.pop() if types else None
        col = {"customer": "customer_code", "supplier": "supplier_code", "employee": "employee_code"}
        gl = gl.assign(party_type=gl.account_code.map(party_type))
        gl["party"] = None
        for t, c in col.items():
            chosen = gl.party_type == t
            gl.loc[chosen, "party"] = gl.loc[chosen, c].fillna("(none)")
        # P&L closing vouchers: only P&L accounts and the profit-closing account, at least one of the latter
        closing_acct = gl.account_code.map(lambda a: any(a.startswith(p) for p in self.closing_prefixes))
        pl_or_closing = gl.account_code.map(lambda a: self.is_pl.get(a, False)) | closing_acct
        by_voucher = pd.DataFrame({"v": gl.voucher_id, "ok": pl_or_closing, "c": closing_acct}).groupby("v")
        closing_vouchers = set(by_voucher.filter(lambda g: g.ok.all() and g.c.any()).v)
        gl["closing_net"] = [
            n if v in closing_vouchers else 0 for n, v in zip(gl.net, gl.voucher_id, strict=True)
        ]
        keys = ["org_code", "account_code", "party_type", "party"]
        gl["party_type"] = gl.party_type.fillna("")
        gl["party"] = gl.party.fillna("")
        for c in ("net", "dr", "cr", "closing_net"):
            gl[c] = gl[c].astype("int64")
        moved = gl.groupby([*keys, "period"], as_index=False)[["net", "dr", "cr", "closing_net"]].sum()
        # every detail on every period of its org, movements 0 where none, balances carried forward
        periods = pd.DataFrame(
            [(o, p) for o, ps in self.periods.items() for p in ps], columns=["org_code", "period"]
        )
        grid = moved[keys].drop_duplicates().merge(periods, on="org_code")
        d = grid.merge(moved, on=[*keys, "period"], how="left").fillna(
            {"net": 0, "dr": 0, "cr": 0, "closing_net": 0}
        )
        d = d.sort_values([*keys, "period"]).reset_index(drop=True)
        d["closing"] = d.groupby(keys)["net"].cumsum()
        avg = [self.rate(o, p, 0) for o, p in zip(d.org_code, d.period, strict=True)]
        close = [self.rate(o, p, 1) for o, p in zip(d.org_code, d.period, strict=True)]
        # a party's balance translates as one amount; an account's as the trial balance does
        # (debits and credits at the average rate)
        d["net_rpt"] = [
            _convert(int(n), a) if t else _convert(int(dr), a) - _convert(int(cr), a)
            for n, dr, cr, t, a in zip(d.net, d.dr, d.cr, d.party_type, avg, strict=True)
        ]
        d["is_pl"] = d.account_code.map(lambda a: self.is_pl.get(a, False))
        cum_rpt = d.groupby(keys)["net_rpt"].cumsum()
        d["closing_rpt"] = [
            int(c) if pl else _convert(int(b), r)
            for c, pl, b, r in zip(cum_rpt, d.is_pl, d.closing, close, strict=True)
        ]
        d["stmt_net"] = d["net"] - d["closing_net"]
        d["stmt_net_rpt"] = [
            int(n) - _convert(int(c), a) for n, c, a in zip(d.net_rpt, d.closing_net, avg, strict=True)
        ]
        out = d.rename(columns={"org_code": "org", "account_code": "account"})[
            [
                "org",
                "period",
                "account",
                "party_type",
                "party",
                "closing",
                "closing_rpt",
                "stmt_net",
                "stmt_net_rpt",
                "is_pl",
            ]
        ]
        out = out.assign(
            party_type=out.party_type.replace("", None),
            party=out.party.replace("", None),
            closing=out.closing.astype(object).map(int),
            stmt_net=out.stmt_net.astype(object).map(int),
        )
        cta = out.groupby(["org", "period"], as_index=False)["closing_rpt"].sum()
        cta["closing_rpt"] = -cta["closing_rpt"]
        cta = cta.sort_values(["org", "period"])
        cta["stmt_net_rpt"] = cta.groupby("org")["closing_rpt"].diff().fillna(cta["closing_rpt"])
        cta = cta.assign(account="CTA", party_type=None, party=None, closing=0, stmt_net=0, is_pl=False)
        return pd.concat([out, cta[out.columns]], ignore_index=True)

    # --- statement items ---------------------------------------------------------------------

    def items(self, rpt: bool) -> dict[str, dict[Key, int]]:
        """Item and memo line values per org, period: balance sheet (closing) and income statement (month)."""
        d = self.detail_rows
        bs: dict[Key, int] = defaultdict(int)
        pl: dict[Key, int] = defaultdict(int)
        self._contrib: list[tuple] = []
        for acct, g in d.groupby("account"):
            for memo in (False, True):
                for r in self.matches("balance_sheet", acct, memo).itertuples():
                    sign = self.direction[("balance_sheet", r.line_code)]
                    for x in g.itertuples():
                        if r.basis == "debit_balance" and not x.closing > 0:
                            continue
                        if r.basis == "credit_balance" and not x.closing < 0:
                            continue
                        v = x.closing_rpt if rpt else x.closing
                        bs[(x.org, x.period, r.line_code)] += sign * v
                        if not memo:
                            self._contrib.append(
                                (
                                    x.org,
                                    x.period,
                                    r.line_code,
                                    acct,
                                    x.party_type,
                                    x.party,
                                    x.closing_rpt * sign,
                                    x.closing_rpt,
                                )
                            )
                for r in self.matches("income_statement", acct, memo).itertuples():
                    sign = self.direction[("income_statement", r.line_code)]
                    for x in g.itertuples():
                        pl[(x.org, x.period, r.line_code)] += sign * (x.stmt_net_rpt if rpt else x.stmt_net)
        return {"balance_sheet": bs, "income_statement": pl}

    def evaluate(self, statement: str, items: dict[Key, int], org: str, period: str) -> dict[str, int | None]:
        """Every line of the statement for one org and period (formulas recursively)."""
        out: dict[str, int | None] = {}

        def value(line: str) -> int | None:
            if line in out:
                return out[line]
            kind = self.kind[(statement, line)]
            if kind in ("header", "note"):
                v = None
            elif kind in ("subtotal", "total"):
                v = sum(w * (value(c) or 0) for c, w in self.formulas[(statement, line)])
            else:
                v = items.get((org, period, line), 0)
            out[line] = v
            return v

        for line in self.lines[self.lines.statement == statement].line_code:
            value(line)
        return out

    # --- group ---------------------------------------------------------------------------------

    def group_items(self) -> dict[str, dict[Key, int]]:
        """The orgs' translated items summed, with the eliminations applied, under org 'GROUP'."""
        items = self.items(rpt=True)
        grouped = {s: defaultdict(int) for s in items}
        for s, vals in items.items():
            for (_org, p, line), v in vals.items():
                grouped[s][("GROUP", p, line)] += v
        bs_rules = self.elim[self.elim.kind == "balance"]
        diff_line = self.elim[self.elim.kind == "balance_difference"].offset_line_code.iloc[0]
        pair_diff: dict[tuple, int] = defaultdict(int)
        prefixes = {t: set(g.account_prefix) for t, g in bs_rules.groupby("party_type")}
        for org, p, line, acct, ptype, party, amount_rpt, balance_rpt in self._contrib:
            other = self.ic.get((ptype, party))
            if other is None or other == org or _longest(acct, prefixes.get(ptype, ())) is None:
                continue
            grouped["balance_sheet"][("GROUP", p, line)] -= amount_rpt
            pair_diff[(p, *sorted((org, other)))] += balance_rpt
        for (p, _, _), b in pair_diff.items():
            grouped["balance_sheet"][("GROUP", p, diff_line)] += (
                self.direction[("balance_sheet", diff_line)] * b
            )
        tx = self.elim[self.elim.kind == "transaction"]
        gl = self.gl
        for r in tx.itertuples():
            col = {"customer": "customer_code", "supplier": "supplier_code"}[r.party_type]
            sel = gl[gl.account_code.str.startswith(r.account_prefix)]
            for (org, p, acct, party), g in sel.groupby(["org_code", "period", "account_code", col]):
                other = self.ic.get((r.party_type, party))
                if other is None or other == org:
                    continue
                net_rpt = _convert(int(g.net.sum()), self.rate(org, p, 0))
                line = self.matches("income_statement", acct, False).line_code.iloc[0]
                # off its own line, and off the offset line by the same amount (profit unchanged)
                grouped["income_statement"][("GROUP", p, line)] -= (
                    self.direction[("income_statement", line)] * net_rpt
                )
                off = r.offset_line_code
                grouped["income_statement"][("GROUP", p, off)] += (
                    self.direction[("income_statement", off)] * net_rpt
                )
        return grouped

    # --- statements --------------------------------------------------------------------------------

    def statements(self) -> dict[str, pd.DataFrame]:
        """balance_sheet, income_statement, cash_flow as frames of (org, period, line, columns…) in cents."""
        base, group = self.items(rpt=False), self.group_items()
        all_periods = sorted({p for ps in self.periods.values() for p in ps})
        keys = [(o, p) for o, ps in self.periods.items() for p in ps] + [("GROUP", p) for p in all_periods]
        src = lambda o, s: (group if o == "GROUP" else base)[s]  # noqa: E731
        bs_rows, pl_rows = [], []
        values = {(o, p): self.evaluate("balance_sheet", src(o, "balance_sheet"), o, p) for o, p in keys}
        pl_values = {
            (o, p): self.evaluate("income_statement", src(o, "income_statement"), o, p) for o, p in keys
        }
        for o, p in keys:
            prior = values.get((o, f"{int(p[:4]) - 1}-12"))
            for line, v in values[(o, p)].items():
                bs_rows.append((o, p, line, v, None if prior is None else prior[line]))
            months = [
                q for q in (all_periods if o == "GROUP" else self.periods[o]) if q[:4] == p[:4] and q <= p
            ]
            ly = pl_values.get((o, _shift(p, -12)))
            for line, v in pl_values[(o, p)].items():
                ytd = None if v is None else sum(pl_values[(o, q)][line] or 0 for q in months)
                pl_rows.append((o, p, line, v, ytd, None if ly is None else ly[line]))
        return {
            "balance_sheet": pd.DataFrame(
                bs_rows,
                columns=["org_code", "period", "line_code", "closing_balance", "prior_year_end_balance"],
            ),
            "income_statement": pd.DataFrame(
                pl_rows,
                columns=[
                    "org_code",
                    "period",
                    "line_code",
                    "period_amount",
                    "ytd_amount",
                    "prior_year_period_amount",
                ],
            ),
            "cash_flow": self.cash_flow(keys),
        }

    def cash_flow(self, keys) -> pd.DataFrame:
        """The cash flow statement's month column per org (base) and the group (reporting currency)."""
        gl = self.gl
        cash_prefixes = list(self.cf_rules[self.cf_rules.role == "cash"].account_prefix)
        is_cash = gl.account_code.map(lambda a: any(a.startswith(p) for p in cash_prefixes))
        cash_vouchers = set(gl[is_cash].voucher_id)
        cp = gl[~is_cash & gl.voucher_id.isin(cash_vouchers)].copy()
        cp["effect"] = [-n for n in cp.net]
        cp = cp[cp.effect != 0]
        rules = self.cf_rules[self.cf_rules.role == "counterparty"]

        prefixes = set(rules.account_prefix)

        @functools.cache
        def classify(acct: str, inflow: bool) -> str:
            best = _longest(acct, prefixes)
            if best is None:
                return "CF_UNCLASSIFIED"
            for r in rules[rules.account_prefix == best].itertuples():
                if r.direction == "any" or (r.direction == "inflow") == inflow:
                    return r.line_code
            return "CF_UNCLASSIFIED"

        cp["line"] = [classify(a, e > 0) for a, e in zip(cp.account_code, cp.effect, strict=True)]
        cp["ic"] = [
            (self.ic.get(("customer", c)) not in (None, o)) or (self.ic.get(("supplier", s)) not in (None, o))
            for c, s, o in zip(cp.customer_code, cp.supplier_code, cp.org_code, strict=True)
        ]
        flows: dict[Key, int] = defaultdict(int)
        cash = gl[is_cash].groupby(["org_code", "period"]).net.sum()
        by_account = gl[is_cash].groupby(["org_code", "account_code", "period"]).net.sum()
        closing_cash: dict[tuple[str, str], int] = {}
        group_closing: dict[str, int] = defaultdict(int)
        for org, ps in self.periods.items():
            running = 0
            for p in ps:
                running += int(cash.get((org, p), 0))
                closing_cash[(org, p)] = running
        for (org, _acct), g in by_account.groupby(level=[0, 1]):
            running = 0
            for p in self.periods[
                org
            ]:  # each cash account translated at the closing rate, as on the balance sheet
                running += int(g.get((org, _acct, p), 0))
                group_closing[p] += _convert(running, self.rate(org, p, 1))
        for (org, p, line, ic), g in cp.groupby(["org_code", "period", "line", "ic"]):
            effect = int(g.effect.sum())
            flows[(org, p, line)] += self.direction[("cash_flow", line)] * effect
            rpt = _convert(effect, self.rate(org, p, 0))
            if ic:
                flows[("GROUP", p, "CF_UNCLASSIFIED")] += rpt
            else:
                flows[("GROUP", p, line)] += self.direction[("cash_flow", line)] * rpt
        for org, ps in self.periods.items():
            for p in ps:
                flows[(org, p, "CF_OPENING_CASH")] = closing_cash[(org, p)] - int(cash.get((org, p), 0))
        prev = 0
        for p in sorted(group_closing):
            moved = sum(
                self.direction[("cash_flow", line)] * v
                for (o, q, line), v in flows.items()
                if o == "GROUP" and q == p and line != "CF_OPENING_CASH"
            )
            flows[("GROUP", p, "CF_FX_EFFECT")] += group_closing[p] - prev - moved
            flows[("GROUP", p, "CF_OPENING_CASH")] = prev
            prev = group_closing[p]
        rows = []
        for o, p in keys:
            for line, v in self.evaluate("cash_flow", flows, o, p).items():
                rows.append((o, p, line, v))
        return pd.DataFrame(rows, columns=["org_code", "period", "line_code", "period_amount"])


def as_cents(value) -> int | None:
    """A warehouse amount (Decimal/float/None) in cents."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    return int((Decimal(str(value)) * 100).to_integral_value(ROUND_HALF_UP))
