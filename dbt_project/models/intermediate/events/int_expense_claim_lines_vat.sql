-- Deductible input VAT per expense claim line (2019 公告第39号), driven by the seed
-- vat_deduction_rules: an expense-type rule (meals, entertainment: not deductible) wins over
-- the invoice-type rule (special invoice: the stated tax; air e-ticket: (fare + fuel
-- surcharge) × 9/109, the civil aviation development fund not deductible; rail: amount ×
-- 9/109; road/water: amount × 3/103; ordinary invoice, receipt, none: nothing). The invoice
-- type is the claim line's, else its VAT invoice's.

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
        lower(trim(match_value)) as match_value,
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
        coalesce(lines.fare_amount, 0) as fare_amount,
        coalesce(lines.fuel_surcharge, 0) as fuel_surcharge,
        coalesce(lines.other_fees, 0) as other_fees,
        invoices.invoice_code,
        invoices.invoice_number,
        coalesce(lower(lines.invoice_type), invoices.invoice_type, 'none') as invoice_type,
        invoices.tax_amount as invoice_tax_amount,
        invoices.invoice_id is not null as has_vat_invoice,
        coalesce(by_expense.method, by_invoice.method) as deduction_method,
        coalesce(by_expense.numerator, by_invoice.numerator) as rate_numerator,
        coalesce(by_expense.denominator, by_invoice.denominator) as rate_denominator
    from lines
    left join invoices
        on lines.invoice_id = invoices.invoice_id
    left join rules as by_expense
        on by_expense.match_on = 'expense_type' and lower(lines.expense_type) = by_expense.match_value
    left join rules as by_invoice
        on by_invoice.match_on = 'invoice_type'
        and coalesce(lower(lines.invoice_type), invoices.invoice_type, 'none') = by_invoice.match_value
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
        fare_amount,
        fuel_surcharge,
        other_fees,
        invoice_tax_amount,
        {{ money("case
            when deduction_method = 'stated_tax' then coalesce(invoice_tax_amount, 0)
            when deduction_method = 'gross_fraction' then " ~ fraction('amount', 'rate_numerator', 'rate_denominator') ~ "
            when deduction_method = 'fare_fraction'
                then " ~ fraction('fare_amount + fuel_surcharge', 'rate_numerator', 'rate_denominator') ~ "
            else 0
        end") }} as deductible_tax
    from joined
)

select * from final
