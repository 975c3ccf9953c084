{{ config(severity='warn') }}
-- GL counterparty codes still without an ERP mapping (see mon_unmapped_codes;
-- fix by adding rows to seeds/code_mappings.csv).

select party_type, gl_code, gl_line_count from {{ ref('mon_unmapped_codes') }}
