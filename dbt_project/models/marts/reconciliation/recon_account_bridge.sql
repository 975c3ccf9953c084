-- Per org, period and control account: subledger balance, GL balance, and the
-- bridge between them by reconciliation status. Each event leg contributes minus
-- its amount in its period and each GL line plus its amount in its period, under
-- its status, so GL closing - subledger closing = the sum of the category
-- columns; `unexplained` is what no status explains and must be zero.
with

legs as (
    select * from {{ ref('recon_event_leg_status') }}
),

gl as (
    select * from {{ ref('recon_gl_line_status') }}
),

movements as (
    select org_code, period, account_code, recon_status, signed_base as subledger_movement,
        0 as gl_movement, -signed_base as contribution
    from legs
    union all
    select org_code, period, account_code, recon_status, 0 as subledger_movement,
        signed_base as gl_movement, signed_base as contribution
    from gl
),

control_accounts as (
    select account_code from {{ ref('dim_account') }} where is_control_account
),

org_periods as (
    select distinct org_code, period from movements
),

grid as (
    select org_periods.org_code, org_periods.period, control_accounts.account_code
    from org_periods
    cross join control_accounts
),

per_period as (
    select
        grid.org_code,
        grid.period,
        grid.account_code,
        coalesce(sum(movements.subledger_movement), 0) as subledger_movement,
        coalesce(sum(movements.gl_movement), 0) as gl_movement,
        {% for status in ['matched', 'timing', 'amount_mismatch', 'missing_in_gl', 'missing_in_business',
                          'duplicate_posting', 'fx_difference', 'ambiguous'] %}
        coalesce(sum(case when movements.recon_status = '{{ status }}' then movements.contribution end), 0)
            as {{ status }}_movement,
        {% endfor %}
        count(movements.account_code) as movement_count
    from grid
    left join movements
        on movements.org_code = grid.org_code
        and movements.period = grid.period
        and movements.account_code = grid.account_code
    group by grid.org_code, grid.period, grid.account_code
),

cumulative as (
    select
        org_code,
        period,
        account_code as control_account,
        subledger_movement,
        gl_movement,
        {% for col in ['subledger_movement', 'gl_movement', 'matched_movement', 'timing_movement',
                       'amount_mismatch_movement', 'missing_in_gl_movement', 'missing_in_business_movement',
                       'duplicate_posting_movement', 'fx_difference_movement', 'ambiguous_movement'] %}
        sum({{ col }}) over (partition by org_code, account_code order by period
                             rows between unbounded preceding and current row) as cum_{{ col }},
        {% endfor %}
        1 as _end
    from per_period
),

final as (
    select
        org_code,
        period,
        control_account,
        cum_subledger_movement - subledger_movement as subledger_opening,
        subledger_movement,
        cum_subledger_movement as subledger_closing,
        cum_gl_movement - gl_movement as gl_opening,
        gl_movement,
        cum_gl_movement as gl_closing,
        cum_gl_movement - cum_subledger_movement as difference,
        cum_matched_movement as matched,
        cum_timing_movement as timing,
        cum_amount_mismatch_movement as amount_mismatch,
        cum_missing_in_gl_movement as missing_in_gl,
        cum_missing_in_business_movement as missing_in_business,
        cum_duplicate_posting_movement as duplicate_posting,
        cum_fx_difference_movement as fx_difference,
        cum_ambiguous_movement as ambiguous,
        -- Only the eight statuses explain a difference: a leg or line with any other
        -- (or no) status stays here.
        (cum_gl_movement - cum_subledger_movement) - (
            cum_matched_movement + cum_timing_movement + cum_amount_mismatch_movement
            + cum_missing_in_gl_movement + cum_missing_in_business_movement + cum_duplicate_posting_movement
            + cum_fx_difference_movement + cum_ambiguous_movement
        ) as unexplained
    from cumulative
)

select * from final
