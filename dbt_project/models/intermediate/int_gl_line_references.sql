-- Business document numbers named in a GL line, one row per (line, document). The columns
-- searched and their order of trust come from the seed gl_reference_columns (参考信息, a
-- document column, 备注, 摘要 …); the number formats from document_number_patterns, one
-- regular expression per document type, compiled into this model. A line takes its numbers
-- from the most trusted column that names any (several numbers in one column: a batch
-- posting); a mistyped number simply does not parse. reference_seq orders a line's
-- numbers by first appearance.
-- depends_on: {{ ref('document_number_patterns') }}
-- depends_on: {{ ref('gl_reference_columns') }}
{%- set patterns = [] %}
{%- set columns = [] %}
{%- if execute %}
    {%- set p = run_query("select document_type, pattern from " ~ ref('document_number_patterns') ~ " order by document_type") %}
    {%- for row in p.rows %}{%- do patterns.append((row[0], row[1])) %}{%- endfor %}
    {%- set c = run_query("select lower(trim(column_name)), trust_order from " ~ ref('gl_reference_columns') ~ " order by trust_order") %}
    {%- for row in c.rows %}{%- do columns.append((row[0], row[1])) %}{%- endfor %}
{%- endif %}

with

lines as (
    select * from {{ ref('stg_finance__gl_voucher_lines') }}
),

texts as (
    {%- for name, trust in columns %}
    select gl_line_id, '{{ name }}' as column_name, {{ trust }} as trust_order, {{ name }} as search_text
    from lines
    where {{ name }} is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select gl_line_id, 'summary' as column_name, 1 as trust_order, summary as search_text
    from lines
    where false
    {%- endfor %}
),

matches as (
    {%- for document_type, pattern in patterns %}
    select
        gl_line_id,
        column_name,
        trust_order,
        search_text,
        '{{ document_type }}' as document_type,
        upper({{ regexp_matches_each('search_text', pattern | replace("'", "''")) }}) as document_no
    from texts
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select gl_line_id, column_name, trust_order, search_text, cast(null as {{ dbt.type_string() }}) as document_type,
        cast(null as {{ dbt.type_string() }}) as document_no
    from texts
    where false
    {%- endfor %}
),

trusted as (
    select gl_line_id, min(trust_order) as trust_order from matches group by gl_line_id
),

distinct_matches as (
    select
        matches.gl_line_id,
        matches.document_no,
        min(matches.document_type) as document_type,
        min(matches.column_name) as column_name,
        min({{ dbt.position('matches.document_no', 'upper(matches.search_text)') }}) as first_position
    from matches
    inner join trusted
        on trusted.gl_line_id = matches.gl_line_id and trusted.trust_order = matches.trust_order
    group by matches.gl_line_id, matches.document_no
),

final as (
    select
        gl_line_id,
        document_no,
        {{ dbt.concat(["gl_line_id", "'|'", "document_no"]) }} as gl_line_reference_id,
        document_type,
        column_name as found_in,
        row_number() over (partition by gl_line_id order by first_position, document_no) as reference_seq
    from distinct_matches
)

select * from final
