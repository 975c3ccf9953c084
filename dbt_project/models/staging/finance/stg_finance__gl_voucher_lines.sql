with

source as (

    select * from {{ source('finance', 'gl_voucher_lines') }}

),

renamed as (

    select

        -- ids
        {{ dbt.concat([
            clean_code('org_code'), "'-'", "trim(period)", "'-'", "trim(voucher_word)", "'-'",
            "cast(cast(voucher_no as integer) as " ~ dbt.type_string() ~ ")"
        ]) }} as voucher_id,
        {{ dbt.concat([
            clean_code('org_code'), "'-'", "trim(period)", "'-'", "trim(voucher_word)", "'-'",
            "cast(cast(voucher_no as integer) as " ~ dbt.type_string() ~ ")", "'/'",
            "cast(cast(line_no as integer) as " ~ dbt.type_string() ~ ")"
        ]) }} as gl_line_id,
        {{ clean_code('org_code') }} as org_code,
        trim(period) as period,
        trim(voucher_word) as voucher_word,
        cast(voucher_no as integer) as voucher_no,
        cast(line_no as integer) as line_no,
        {{ clean_code('account_code') }} as account_code,
        {{ clean_code('currency') }} as currency,
        {{ clean_code('supplier_code') }} as supplier_code_gl,
        {{ clean_code('customer_code') }} as customer_code_gl,
        {{ clean_code('employee_code') }} as employee_code,
        {{ clean_code('dept_code') }} as dept_code,

        -- descriptions
        {{ clean_text('summary') }} as summary,
        {{ clean_text('reference') }} as reference,
        {{ clean_text('account_name') }} as account_name,
        {{ clean_text('preparer') }} as preparer,

        -- amounts (debit / credit in the org's base currency)
        {{ money('amount_original') }} as amount_original,
        {{ money('coalesce(debit, 0)') }} as debit,
        {{ money('coalesce(credit, 0)') }} as credit,
        {{ fx_rate('fx_rate') }} as fx_rate,

        -- dates
        cast(voucher_date as date) as voucher_date,

        -- lineage
        source_file,
        _dlt_load_id as load_id

    from source

)

select * from renamed
