-- Opening balances of a period equal the previous period's closing, on both sides.
with bridge as (
    select
        *,
        lag(subledger_closing) over (partition by org_code, control_account order by period) as prev_sub,
        lag(gl_closing) over (partition by org_code, control_account order by period) as prev_gl
    from {{ ref('recon_account_bridge') }}
)
select org_code, period, control_account
from bridge
where subledger_opening <> coalesce(prev_sub, 0) or gl_opening <> coalesce(prev_gl, 0)
