"""Analyst SQL: a read-only console over the documented models, limited to the
user's orgs, with the model and column descriptions beside it; results as a
table, a quick chart, downloads. Queries run in worker processes (app.lib.console)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.lib import charts, console, fmt, settings, ui
from app.lib import warehouse as wh
from app.lib.i18n import column_label, get_lang, model_note, t

st.title(t("page_sql"))
ui.guard()
limits = settings.console()
scope = wh.scope()
left, right = st.columns([3, 2])

with right:
    st.subheader(t("models"))
    rels, cols = wh.model_docs()
    names = [f"{s}.{n}" for s, n in console.model_list()]
    model = st.selectbox(t("model"), names, key="sql_model")
    if model and not rels.empty:
        schema, name = model.split(".", 1)
        r = rels[(rels["schema_name"] == schema) & (rels["table_name"] == name)]
        described = None if r.empty else r.iloc[0].get("description")
        note = model_note(name) or (described if get_lang() == "en" else None)
        if note:
            st.markdown(str(note))
        mc = cols[(cols["schema_name"] == schema) & (cols["table_name"] == name)]
        if get_lang() == "zh":  # the field, its Chinese name and type (the English notes are in the YAML)
            docs = mc.assign(description=mc["column_name"].map(lambda c: column_label(c, "zh")))
        else:
            docs = mc
        docs = docs[["column_name", "data_type", "description"]]
        st.dataframe(
            docs,
            column_config=fmt.column_config(docs),
            hide_index=True,
            width="stretch",
            key="sql_columns",
            height=360,
        )
        st.caption(f"`select * from {name} limit 100`")

with left:
    st.subheader(t("sql_editor"))
    default = "select org_code, period, count(*) as n from fct_gl_lines group by all order by all"
    sql = st.text_area(
        t("sql_editor"), value=default, height=180, key="sql_text", label_visibility="collapsed"
    )
    st.caption(
        t(
            "console_scope",
            orgs=", ".join(scope.orgs),
            rows=int(limits["row_limit"]),
            timeout=float(limits["timeout_seconds"]),
            memory=limits["memory_limit"],
        )
    )
    # a query runs when the button is pressed, once; reruns (a chart axis, a download) show its result
    if st.button(t("run"), key="sql_run", type="primary"):
        try:
            st.session_state["sql_outcome"] = console.run(
                sql,
                row_limit=int(limits["row_limit"]),
                timeout_s=float(limits["timeout_seconds"]),
                memory_limit=str(limits["memory_limit"]),
                overhead_mb=int(limits["worker_overhead_mb"]),
            )
        except console.ConsoleRefused as exc:
            st.session_state["sql_outcome"] = t("sql_refused", msg=str(exc))
        except console.ConsoleFailed as exc:
            st.session_state["sql_outcome"] = t("sql_error", msg=str(exc))
    res = st.session_state.get("sql_outcome")
    if res is not None:
        if isinstance(res, str):
            st.error(res)
        else:
            df = res.frame
            st.caption(
                t("sql_result", n=len(df), s=res.seconds, trunc=t("truncated") if res.truncated else "")
            )
            ui.table(df, "sql_result", "query_result")
            nums = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]
            if nums and len(df.columns) > 1:
                st.subheader(t("quick_chart"))
                c1, c2, c3 = st.columns(3)
                x = c1.selectbox(t("x_axis"), list(df.columns), key="sql_x")
                y = c2.selectbox(t("y_axis"), nums, index=len(nums) - 1, key="sql_y")
                kind = c3.radio(
                    t("chart_kind"),
                    ["bar", "line"],
                    horizontal=True,
                    key="sql_kind",
                    format_func=lambda k, lang=get_lang(): t(k, lang),
                    label_visibility="collapsed",
                )
                st.plotly_chart(charts.quick(df.head(500), x, y, kind), key="sql_chart")
