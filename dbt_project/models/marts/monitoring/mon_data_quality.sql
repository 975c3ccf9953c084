-- What ingestion found about the data it loaded (ops.data_quality in the raw file): every version
-- of a key that came twice in one load, rows the source deleted (marked, never dropped) or
-- restored, and GL files removed or accepted although they broke a promise.

with

findings as (

    select * from {{ source('integrity', 'data_quality') }}

),

final as (

    select
        finding_id,
        run_id,
        source_name,
        table_name,
        source_location,
        record_key,
        check_name,
        detail,
        raw_record,
        kept,
        cast(found_at as timestamp) as found_at
    from findings

)

select * from final
