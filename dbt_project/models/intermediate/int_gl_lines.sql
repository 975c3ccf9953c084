-- GL voucher lines with counterparty codes mapped to the ERP's and the
-- source-document reference parsed out (first reference + count).

with

lines as (

    select * from {{ ref('stg_finance__gl_voucher_lines') }}

),

code_map as (

    select * from {{ ref('int_counterparty_code_map') }}

),

references_per_line as (

    select
        gl_line_id,
        max(case when reference_seq = 1 then document_no end) as source_document_no,
        max(case when reference_seq = 1 then document_type end) as source_document_type,
        count(*) as reference_count
    from {{ ref('int_gl_line_references') }}
    group by gl_line_id

),

joined as (

    select
        lines.*,
        supplier_map.erp_code as supplier_code,
        supplier_map.mapping_method as supplier_mapping_method,
        customer_map.erp_code as customer_code,
        customer_map.mapping_method as customer_mapping_method,
        references_per_line.source_document_no,
        references_per_line.source_document_type,
        coalesce(references_per_line.reference_count, 0) as reference_count
    from lines
    left join code_map as supplier_map
        on supplier_map.party_type = 'supplier' and lines.supplier_code_gl = supplier_map.gl_code
    left join code_map as customer_map
        on customer_map.party_type = 'customer' and lines.customer_code_gl = customer_map.gl_code
    left join references_per_line
        on lines.gl_line_id = references_per_line.gl_line_id

)

select * from joined
