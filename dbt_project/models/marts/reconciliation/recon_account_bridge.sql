-- Per org, period and control account: the subledger balance from the documents alone
-- (int_subledger_movements), the GL balance from the GL alone (int_gl_control_movements),
-- their difference, and the bridge between them.
--
-- Each reconciliation item that is not `matched` explains the GL effect of its vouchers
-- minus the effect of the document's correct posting: a GL line adds its amount in its GL
-- period, an event leg subtracts its amount in its event period, under the item's status.
-- A matched item explains nothing; if its GL lines and legs differ (within the amount
-- tolerance, or by a defect) the difference shows as `matched_difference`.
--   unexplained = (GL closing − subledger closing) − Σ categories − matched_difference
-- must be zero: it is not, when the posting rules disagree with the documents, when a GL
-- control line escaped the matching, or when either route lost a row.
{%- set categories = ['timing', 'amount_mismatch', 'missing_in_gl', 'missing_in_business', 'duplicate_posting',
                      'fx_difference', 'ambiguous'] %}
with

legs as (
    select * from {{ ref('recon_event_leg_status') }}
),

gl as (
    select * from {{ ref('recon_gl_line_status') }}
),

item_movements as (
    select org_code, period, account_code, recon_status, -signed_base as contribution from legs
    union all
    select org_code, period, account_code, recon_status, signed_base as contribution from gl
),

subledger as (
    select * from {{ ref('int_subledger_movements') }}
),

gl_balances as (
    select * from {{ ref('int_gl_control_movements') }}
),

control_accounts as (
    select account_code from {{ ref('control_accounts') }}
),

org_periods as (
    select distinct org_code, period from subledger
    union
    select distinct org_code, period from gl_balances
    union
    select distinct org_code, period from item_movements
),

grid as (
    select org_periods.org_code, org_periods.period, control_accounts.account_code
    from org_periods
    cross join control_accounts
),

explained as (
    select
        org_code,
        period,
        account_code,
        {%- for status in categories %}
        sum(case when recon_status = '{{ status }}' then contribution else 0 end) as {{ status }}_movement,
        {%- endfor %}
        sum(case when recon_status = 'matched' then contribution else 0 end) as matched_difference_movement
    from item_movements
    group by org_code, period, account_code
),

per_period as (
    select
        grid.org_code,
        grid.period,
        grid.account_code,
        coalesce(subledger.subledger_movement, 0) as subledger_movement,
        coalesce(gl_balances.gl_movement, 0) as gl_movement,
        {%- for status in categories %}
        coalesce(explained.{{ status }}_movement, 0) as {{ status }}_movement,
        {%- endfor %}
        coalesce(explained.matched_difference_movement, 0) as matched_difference_movement
    from grid
    left join subledger
        on subledger.org_code = grid.org_code and subledger.period = grid.period
        and subledger.account_code = grid.account_code
    left join gl_balances
        on gl_balances.org_code = grid.org_code and gl_balances.period = grid.period
        and gl_balances.account_code = grid.account_code
    left join explained
        on explained.org_code = grid.org_code and explained.period = grid.period
        and explained.account_code = grid.account_code
),

cumulative as (
    select
        org_code,
        period,
        account_code as control_account,
        subledger_movement,
        gl_movement,
        {%- set cumulated = ['subledger_movement', 'gl_movement', 'matched_difference_movement'] %}
        {%- for status in categories %}{%- do cumulated.append(status ~ '_movement') %}{%- endfor %}
        {%- for name in cumulated %}
        sum({{ name }}) over (partition by org_code, account_code order by period
                              rows between unbounded preceding and current row) as cum_{{ name }},
        {%- endfor %}
        1 as _end
    from per_period
),

final as (
    select
        org_code,
        period,
        control_account,
        {{ money('cum_subledger_movement - subledger_movement') }} as subledger_opening,
        {{ money('subledger_movement') }} as subledger_movement,
        {{ money('cum_subledger_movement') }} as subledger_closing,
        {{ money('cum_gl_movement - gl_movement') }} as gl_opening,
        {{ money('gl_movement') }} as gl_movement,
        {{ money('cum_gl_movement') }} as gl_closing,
        {{ money('cum_gl_movement - cum_subledger_movement') }} as difference,
        {%- for status in categories %}
        {{ money('cum_' ~ status ~ '_movement') }} as {{ status }},
        {%- endfor %}
        {{ money('cum_matched_difference_movement') }} as matched_difference,
        {%- set explained_sum = [] %}
        {%- for status in categories %}{%- do explained_sum.append('cum_' ~ status ~ '_movement') %}{%- endfor %}
        {{ money('(cum_gl_movement - cum_subledger_movement) - (' ~ explained_sum | join(' + ')
                 ~ ') - cum_matched_difference_movement') }} as unexplained
    from cumulative
)

select * from final
