-- GL voucher lines: one row per line of the finance package's export. The voucher is
-- identified by the GL's own ledger (账套) code, period, voucher word and number; org_code
-- is the ERP's org (seed ledger_org_mappings; a ledger without a mapping is taken as the
-- org code itself). Columns a company's export lacks (a period, 参考信息, 备注, a document
-- column) are null here and derived or ignored downstream.

{%- set src = source('finance', 'gl_voucher_lines') %}

with

source as (

    select * from {{ src }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

ledgers as (

    select {{ clean_code('ledger_code') }} as ledger_code, {{ clean_code('org_code') }} as org_code
    from {{ ref('ledger_org_mappings') }}

),

typed as (

    select
        source.*,
        {{ clean_code('source.org_code') }} as ledger_code,
        coalesce(
            nullif(trim(cast({{ optional_column(src, 'period') }} as {{ dbt.type_string() }})), ''),
            {{ to_period('cast(voucher_date as date)') }}
        ) as gl_period
    from source

),

renamed as (

    select

        -- ids
        {{ dbt.concat([
            "typed.ledger_code", "'-'", "typed.gl_period", "'-'", "trim(typed.voucher_word)", "'-'",
            "cast(cast(typed.voucher_no as integer) as " ~ dbt.type_string() ~ ")"
        ]) }} as voucher_id,
        {{ dbt.concat([
            "typed.ledger_code", "'-'", "typed.gl_period", "'-'", "trim(typed.voucher_word)", "'-'",
            "cast(cast(typed.voucher_no as integer) as " ~ dbt.type_string() ~ ")", "'/'",
            "cast(cast(typed.line_no as integer) as " ~ dbt.type_string() ~ ")"
        ]) }} as gl_line_id,
        coalesce(ledgers.org_code, typed.ledger_code) as org_code,
        typed.ledger_code,
        typed.gl_period as period,
        trim(typed.voucher_word) as voucher_word,
        cast(typed.voucher_no as integer) as voucher_no,
        cast(typed.line_no as integer) as line_no,
        {{ clean_code('typed.account_code') }} as account_code,
        {{ clean_code('typed.currency') }} as currency,
        -- a GL that knows parties by name only: the name is its code (gl_counterparties maps it)
        coalesce({{ clean_code(optional_column(src, 'supplier_code')) }},
                 {{ clean_code(optional_column(src, 'supplier_name')) }}) as supplier_code_gl,
        coalesce({{ clean_code(optional_column(src, 'customer_code')) }},
                 {{ clean_code(optional_column(src, 'customer_name')) }}) as customer_code_gl,
        {{ clean_code(optional_column(src, 'employee_code')) }} as employee_code,
        {{ clean_code(optional_column(src, 'dept_code')) }} as dept_code,

        -- descriptions (any of them may name the source document)
        {{ clean_text(optional_column(src, 'summary')) }} as summary,
        {{ clean_text(optional_column(src, 'reference')) }} as reference,
        {{ clean_text(optional_column(src, 'remark')) }} as remark,
        {{ clean_text(optional_column(src, 'document_ref')) }} as document_ref,
        {{ clean_text(optional_column(src, 'account_name')) }} as account_name,
        {{ clean_text(optional_column(src, 'preparer')) }} as preparer,

        -- amounts (debit / credit in the org's base currency)
        {{ money('typed.amount_original') }} as amount_original,
        {{ money('coalesce(typed.debit, 0)') }} as debit,
        {{ money('coalesce(typed.credit, 0)') }} as credit,
        {{ fx_rate('typed.fx_rate') }} as fx_rate,

        -- dates
        cast(typed.voucher_date as date) as voucher_date,

        -- lineage
        typed.source_file,
        typed._dlt_load_id as load_id

    from typed
    left join ledgers on ledgers.ledger_code = typed.ledger_code

)

select * from renamed
