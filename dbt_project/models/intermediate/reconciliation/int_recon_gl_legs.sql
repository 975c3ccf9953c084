-- GL lines on control accounts, signed debit-positive, with the party mapped to ERP codes.
with

gl as (
    select * from {{ ref('fct_gl_lines') }}
),

accounts as (
    select account_code from {{ ref('dim_account') }} where is_control_account
),

final as (
    select
        gl.gl_line_id,
        gl.voucher_id,
        gl.org_code,
        gl.period,
        gl.voucher_date,
        gl.account_code,
        gl.currency,
        gl.reference,
        coalesce(gl.supplier_code, gl.customer_code, gl.employee_code) as party_code,
        gl.debit - gl.credit as signed_base,
        -- a plain column, so joins on the sign stay hash joins
        case when gl.debit - gl.credit > 0 or (gl.debit - gl.credit = 0 and gl.amount_original >= 0) then 1 else -1 end
            as amount_sign,
        case when gl.debit <> 0 then gl.amount_original else -gl.amount_original end as signed_original
    from gl
    inner join accounts on accounts.account_code = gl.account_code
)

select * from final
