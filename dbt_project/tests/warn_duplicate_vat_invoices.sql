{{ config(severity='warn') }}
-- VAT invoices claimed more than once (see expense_duplicate_invoices).

select claim_line_id, invoice_code, invoice_number, first_claim_id
from {{ ref('expense_duplicate_invoices') }}
where not is_first_claim
