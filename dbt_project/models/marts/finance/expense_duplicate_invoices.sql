-- VAT invoices claimed more than once: the same invoice (invoice_code +
-- invoice_number) on two or more expense claim lines. One row per such line;
-- the earliest claim keeps is_first_claim, the others are the duplicates
-- finance should reject (their deductible VAT is overstated too).

with

lines as (

    select * from {{ ref('int_expense_claim_lines_vat') }}
    where invoice_code is not null and invoice_number is not null

),

claims as (

    select claim_id, org_code, employee_code, claim_date, status from {{ ref('stg_expense__expense_claims') }}

),

with_claims as (

    select
        lines.*,
        claims.org_code,
        claims.employee_code,
        claims.claim_date,
        claims.status as claim_status,
        count(*) over (partition by lines.invoice_code, lines.invoice_number) as times_claimed,
        row_number() over (
            partition by lines.invoice_code, lines.invoice_number
            order by claims.claim_date, lines.claim_id, lines.line_no
        ) as claim_seq
    from lines
    left join claims
        on lines.claim_id = claims.claim_id

),

final as (

    select
        claim_line_id,
        invoice_code,
        invoice_number,
        invoice_id,
        claim_id,
        line_no,
        org_code,
        employee_code,
        claim_date,
        claim_status,
        expense_type,
        amount,
        deductible_tax,
        times_claimed,
        claim_seq,
        claim_seq = 1 as is_first_claim,
        first_value(claim_id) over (
            partition by invoice_code, invoice_number
            order by claim_seq
        ) as first_claim_id
    from with_claims
    where times_claimed > 1

)

select * from final
