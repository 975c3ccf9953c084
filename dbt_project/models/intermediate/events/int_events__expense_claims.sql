-- Approved expense claims (EC_APPROVE), on the approval date, in the claim's currency
-- converted at that date's rate (claims are normally in the org's base currency).
-- Basis lines 1…n (claim lines):
--   expense         D expense by expense type × department function: amount − deductible VAT
--   deductible_tax  D 22210101 (2019 公告第39号, see int_expense_claim_lines_vat)
-- Basis line 0 (the claim):
--   advance_offset  C 1221: the employee's advance the claim offsets
--   payable         C 2241: what is left to pay the employee
with

claims as (
    select * from {{ ref('stg_expense__expense_claims') }}
    where status in ('approved', 'paid') and approved_date is not null
),

lines as (
    select * from {{ ref('int_expense_claim_lines_vat') }}
),

departments as (
    select dept_code, function as dept_function from {{ ref('stg_expense__departments') }}
),

orgs as (
    select org_code, base_currency from {{ ref('stg_erp__orgs') }}
),

headers as (
    select
        claims.*,
        orgs.base_currency,
        departments.dept_function,
        {{ base_rate('claims.currency', 'orgs.base_currency') }} as fx_rate
    from claims
    left join orgs on orgs.org_code = claims.org_code
    left join departments on departments.dept_code = claims.dept_code
    {{ join_rate('rates', 'claims.approved_date', 'claims.currency', 'orgs.base_currency') }}
),

common as (
    select
        {{ event_id('EC_APPROVE', 'claim_id') }} as event_id,
        'EC_APPROVE' as event_type,
        claim_id as document_no,
        advance_no as related_document_no,
        org_code,
        approved_date as event_date,
        false as is_cancelled,
        cast(null as date) as cancelled_date,
        base_currency,
        currency,
        fx_rate,
        cast(null as {{ dbt.type_string() }}) as supplier_code,
        cast(null as {{ dbt.type_string() }}) as customer_code,
        employee_code,
        dept_code,
        'expense_claims' as source_table,
        dept_function,
        claim_id,
        advance_offset,
        payable_amount
    from headers
),

line_basis as (
    select
        common.event_id, common.event_type, common.document_no, common.related_document_no, common.org_code,
        common.event_date, common.is_cancelled, common.cancelled_date, common.base_currency, common.currency,
        common.fx_rate, lines.line_no as basis_line_no, common.supplier_code, common.customer_code,
        common.employee_code, common.dept_code, common.source_table,
        cast(null as {{ dbt.type_string() }}) as material_group,
        lines.expense_type,
        common.dept_function,
        cast(null as {{ dbt.type_string() }}) as bank_account,
        cast(null as {{ dbt.type_string() }}) as invoice_kind,
        lines.invoice_type,
        {{ convert_amount('lines.amount - lines.deductible_tax', 'common.fx_rate') }} as expense_base,
        lines.amount - lines.deductible_tax as expense_orig,
        {{ convert_amount('lines.deductible_tax', 'common.fx_rate') }} as deductible_tax_base,
        lines.deductible_tax as deductible_tax_orig,
        cast(null as decimal(18, 2)) as advance_offset_base,
        cast(null as decimal(18, 2)) as advance_offset_orig,
        cast(null as decimal(18, 2)) as payable_base,
        cast(null as decimal(18, 2)) as payable_orig
    from lines
    inner join common on common.claim_id = lines.claim_id
),

claim_basis as (
    select
        event_id, event_type, document_no, related_document_no, org_code, event_date, is_cancelled,
        cancelled_date, base_currency, currency, fx_rate, 0 as basis_line_no, supplier_code, customer_code,
        employee_code, dept_code, source_table,
        {{ null_text(['material_group', 'expense_type']) }},
        dept_function,
        {{ null_text(['bank_account', 'invoice_kind', 'invoice_type']) }},
        cast(null as decimal(18, 2)) as expense_base,
        cast(null as decimal(18, 2)) as expense_orig,
        cast(null as decimal(18, 2)) as deductible_tax_base,
        cast(null as decimal(18, 2)) as deductible_tax_orig,
        {{ convert_amount('advance_offset', 'fx_rate') }} as advance_offset_base,
        advance_offset as advance_offset_orig,
        {{ convert_amount('payable_amount', 'fx_rate') }} as payable_base,
        payable_amount as payable_orig
    from common
),

basis as (
    select * from line_basis
    union all
    select * from claim_basis
)

{{ measures_long('basis', ['expense', 'deductible_tax', 'advance_offset', 'payable']) }}
