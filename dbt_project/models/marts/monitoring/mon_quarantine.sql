-- Every source record that ingestion quarantined (failed validation), from
-- the three raw quarantine tables: what, where, why, and the raw record.

with

unioned as (

    select 'erp' as source_system, source_name, table_name, source_location, record_key, reason, raw_record, quarantined_at from {{ source('erp', 'quarantine') }}
    union all
    select 'finance' as source_system, source_name, table_name, source_location, record_key, reason, raw_record, quarantined_at from {{ source('finance', 'quarantine') }}
    union all
    select 'expense' as source_system, source_name, table_name, source_location, record_key, reason, raw_record, quarantined_at from {{ source('expense', 'quarantine') }}

),

final as (

    select
        {{ dbt.concat([
            "source_system", "'|'", "coalesce(table_name, '')", "'|'", "coalesce(source_location, '')", "'|'",
            "coalesce(record_key, '')", "'|'", "coalesce(reason, '')", "'|'",
            "cast(row_number() over (partition by source_system, table_name, source_location, record_key, reason
                                      order by quarantined_at) as " ~ dbt.type_string() ~ ")"
        ]) }} as quarantine_id,
        source_system,
        source_name,
        table_name,
        source_location,
        record_key,
        reason,
        raw_record,
        cast(quarantined_at as timestamp) as quarantined_at
    from unioned

)

select * from final
