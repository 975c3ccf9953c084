-- GL movements per org, period and control account from the GL alone (debit − credit).
with

gl as (
    select * from {{ ref('fct_gl_lines') }}
),

control as (
    select account_code from {{ ref('control_accounts') }}
),

final as (
    select
        gl.org_code,
        gl.period,
        gl.account_code,
        {{ money('sum(gl.debit - gl.credit)') }} as gl_movement,
        count(*) as gl_lines
    from gl
    inner join control on control.account_code = gl.account_code
    group by gl.org_code, gl.period, gl.account_code
)

select * from final
