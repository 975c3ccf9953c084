-- The codes under which the group's own orgs appear as counterparties in each other's books:
-- every ERP supplier or customer whose tax id is a group org's (the ERP's orgs table), plus
-- what finance lists in the seed group_counterparties (parties without a tax id, legacy codes).
-- Consolidation eliminates balances and transactions with these parties.
with

orgs as (
    select org_code, tax_id from {{ ref('stg_erp__orgs') }} where tax_id is not null
),

by_tax_id as (
    select orgs.org_code as group_org_code, 'supplier' as party_type, suppliers.supplier_code as party_code
    from {{ ref('stg_erp__suppliers') }} as suppliers
    inner join orgs on orgs.tax_id = suppliers.tax_id
    union all
    select orgs.org_code, 'customer', customers.customer_code
    from {{ ref('stg_erp__customers') }} as customers
    inner join orgs on orgs.tax_id = customers.tax_id
),

listed as (
    select
        {{ clean_code('group_org_code') }} as group_org_code,
        lower(trim(party_type)) as party_type,
        {{ clean_code('party_code') }} as party_code
    from {{ ref('group_counterparties') }}
),

final as (
    select group_org_code, party_type, party_code, 'tax_id' as identified_by from by_tax_id
    union
    select group_org_code, party_type, party_code, 'seed' as identified_by from listed
)

select * from final
