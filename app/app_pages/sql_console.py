"""Analyst SQL: a read-only console over the warehouse with the model and
column descriptions beside it; results as a table, a quick chart, downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.lib import charts, settings, ui
from app.lib import warehouse as wh
from app.lib.i18n import t

st.title(t("page_sql"))
ui.guard()
limits = settings.console()
left, right = st.columns([3, 2])

with right:
    st.subheader(t("models"))
    rels, cols = wh.model_docs()
    user = rels[~rels["schema_name"].isin(["information_schema", "pg_catalog"])] if not rels.empty else rels
    names = [
        f"{s}.{n}" for s, n in zip(user.get("schema_name", []), user.get("table_name", []), strict=False)
    ]
    model = st.selectbox(t("model"), names, key="sql_model")
    if model:
        schema, name = model.split(".", 1)
        r = user[(user["schema_name"] == schema) & (user["table_name"] == name)].iloc[0]
        if r.get("description"):
            st.markdown(str(r["description"]))
        mc = cols[(cols["schema_name"] == schema) & (cols["table_name"] == name)]
        st.dataframe(
            mc[["column_name", "data_type", "description"]],
            hide_index=True,
            width="stretch",
            key="sql_columns",
            height=360,
        )
        st.caption(f"`select * from {schema}.{name} limit 100`")

with left:
    st.subheader(t("sql_editor"))
    default = "select * from information_schema.tables limit 50"
    sql = st.text_area(
        t("sql_editor"), value=default, height=180, key="sql_text", label_visibility="collapsed"
    )
    st.caption(
        f"row limit {int(limits['row_limit']):,} · timeout {float(limits['timeout_seconds']):g} s · "
        f"memory {limits['memory_limit']} · read-only, no file/network/extension access"
    )
    if st.button(t("run"), key="sql_run", type="primary"):
        st.session_state["sql_last"] = sql
    last = st.session_state.get("sql_last")
    if last:
        try:
            res = wh.console_query(
                last,
                row_limit=int(limits["row_limit"]),
                timeout_s=float(limits["timeout_seconds"]),
                memory_limit=str(limits["memory_limit"]),
            )
        except wh.ConsoleRefused as exc:
            st.error(t("sql_refused", msg=str(exc)))
        except wh.QueryFailed as exc:
            st.error(t("sql_error", msg=exc.error))
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
                    "chart", ["bar", "line"], horizontal=True, key="sql_kind", label_visibility="collapsed"
                )
                st.plotly_chart(charts.quick(df.head(500), x, y, kind), key="sql_chart")
