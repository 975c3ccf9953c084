-- Deductible input VAT per expense claim line (2019 公告第39号), driven by the
-- seed vat_deduction_rules: an expense-type rule (meals, entertainment: not
-- deductible) wins over the invoice-type rule (special: stated tax; air/rail
-- e-tickets: gross × 9/109; road: gross × 3/103; ordinary/receipt: none).

with

lines as (

    select * from {{ ref('stg_expense__expense_claim_lines') }}

),

invoices as (

    select * from {{ ref('stg_expense__vat_invoices') }}

),

rules as (

    select
        lower(trim(match_on)) as match_on,
        trim(match_value) as match_value,
        lower(trim(method)) as method,
        numerator,
        denominator,
        priority
    from {{ ref('vat_deduction_rules') }}

),

joined as (

    select
        lines.claim_id,
        lines.line_no,
        lines.expense_type,
        lines.expense_date,
        lines.invoice_id,
        lines.amount,
        invoices.invoice_code,
        invoices.invoice_number,
        invoices.invoice_type,
        invoices.tax_amount as invoice_tax_amount,
        invoices.invoice_id is not null as has_vat_invoice,
        coalesce(by_expense.method, by_invoice.method) as deduction_method,
        coalesce(by_expense.numerator, by_invoice.numerator) as rate_numerator,
        coalesce(by_expense.denominator, by_invoice.denominator) as rate_denominator
    from lines
    left join invoices
        on lines.invoice_id = invoices.invoice_id
    left join rules as by_expense
        on by_expense.match_on = 'expense_type' and lines.expense_type = upper(by_expense.match_value)
    left join rules as by_invoice
        on by_invoice.match_on = 'invoice_type' and invoices.invoice_type = lower(by_invoice.match_value)

),

final as (

    select
        {{ dbt.concat(["claim_id", "'/'", "cast(line_no as " ~ dbt.type_string() ~ ")"]) }} as claim_line_id,
        claim_id,
        line_no,
        expense_type,
        expense_date,
        invoice_id,
        invoice_code,
        invoice_number,
        invoice_type,
        has_vat_invoice,
        coalesce(deduction_method, 'none') as deduction_method,
        deduction_method is null as is_rule_missing,
        amount,
        invoice_tax_amount,
        {{ money("case
            when deduction_method = 'stated_tax' then coalesce(invoice_tax_amount, 0)
            when deduction_method = 'gross_fraction'
                then round(cast(amount as decimal(38, 10)) * rate_numerator / rate_denominator, 2)
            else 0
        end") }} as deductible_tax
    from joined

)

select * from final
