-- Every GL voucher line: account, debit / credit in the org's base currency,
-- original currency amount and rate, dimensions with counterparty codes mapped
-- to the ERP's (the GL's own codes kept), and the source document parsed from
-- 摘要 / 参考信息.

with

lines as (

    select * from {{ ref('int_gl_lines') }}

),

accounts as (

    select * from {{ ref('dim_account') }}

),

orgs as (

    select org_code, base_currency from {{ ref('stg_erp__orgs') }}

),

final as (

    select
        -- ids
        lines.gl_line_id,
        lines.voucher_id,
        lines.org_code,
        lines.period,
        lines.voucher_word,
        lines.voucher_no,
        lines.line_no,

        -- account
        lines.account_code,
        coalesce(accounts.account_name, lines.account_name) as account_name,
        accounts.account_type,
        coalesce(accounts.is_control_account, false) as is_control_account,
        accounts.control_type,

        -- amounts
        lines.debit,
        lines.credit,
        {{ money('lines.debit - lines.credit') }} as amount_base,
        orgs.base_currency,
        lines.amount_original,
        lines.currency,
        lines.fx_rate,

        -- dimensions
        lines.supplier_code,
        lines.supplier_code_gl,
        lines.supplier_mapping_method,
        lines.customer_code,
        lines.customer_code_gl,
        lines.customer_mapping_method,
        lines.employee_code,
        lines.dept_code,

        -- source document
        lines.summary,
        lines.reference,
        lines.source_document_no,
        lines.source_document_type,
        lines.reference_count,

        -- dates and lineage
        lines.voucher_date,
        lines.preparer,
        lines.source_file,
        lines.load_id
    from lines
    left join accounts
        on lines.account_code = accounts.account_code
    left join orgs
        on lines.org_code = orgs.org_code

)

select * from final
