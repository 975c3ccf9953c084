-- Business document numbers named in a GL line's summary (摘要) or reference
-- (参考信息): one row per (line, document). A line can name several documents
-- ("收款 REC25000001,REC25000002 …"); a mistyped number (a digit missing)
-- simply does not parse. reference_seq orders them by first appearance,
-- summary before reference.

with

lines as (

    select
        gl_line_id,
        {{ dbt.concat(["coalesce(summary, '')", "' '", "coalesce(reference, '')"]) }} as search_text
    from {{ ref('stg_finance__gl_voucher_lines') }}

),

matches as (

    select
        gl_line_id,
        search_text,
        {{ regexp_matches_each('search_text', document_no_pattern()) }} as document_no
    from lines

),

distinct_matches as (

    select
        gl_line_id,
        document_no,
        min({{ dbt.position('document_no', 'search_text') }}) as first_position
    from matches
    group by gl_line_id, document_no

),

final as (

    select
        gl_line_id,
        document_no,
        {{ dbt.concat(["gl_line_id", "'|'", "document_no"]) }} as gl_line_reference_id,
        case
            when document_no like 'PINV%' then 'PINV'
            when document_no like 'SINV%' then 'SINV'
            when document_no like 'PAY%' then 'PAY'
            when document_no like 'REC%' then 'REC'
            else substring(document_no, 1, 2)
        end as document_type,
        row_number() over (partition by gl_line_id order by first_position, document_no) as reference_seq
    from distinct_matches

)

select * from final
