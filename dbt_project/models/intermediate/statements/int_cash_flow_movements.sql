-- Every movement of cash, classified by the counterparty account of its
-- voucher: for each voucher with a line on a cash account (seed
-- cash_flow_rules, role cash), each of its other lines is one cash movement of
-- credit − debit (positive = cash in), mapped to a cash flow line by the
-- longest matching counterparty prefix and the movement's direction. Lines
-- between cash accounts (transfers) are not movements. A movement no rule
-- covers keeps line_code null and shows as 未能分类. Because every voucher
-- balances, the movements of an org and period add up to the change of its
-- cash balances.

with

rules as (

    select * from {{ ref('cash_flow_rules') }}

),

cash_prefixes as (

    select account_prefix from rules where role = 'cash'

),

lines as (

    select
        lines.*,
        case when exists (
            select 1 from cash_prefixes
            where lines.account_code like {{ dbt.concat(["cash_prefixes.account_prefix", "'%'"]) }}
        ) then true else false end as is_cash
    from {{ ref('fct_gl_lines') }} as lines

),

cash_vouchers as (

    select distinct voucher_id from lines where is_cash

),

counterparts as (

    select
        lines.org_code,
        lines.period,
        lines.voucher_id,
        lines.gl_line_id,
        lines.voucher_date,
        lines.account_code,
        lines.customer_code,
        lines.supplier_code,
        lines.employee_code,
        lines.summary,
        lines.source_document_no,
        lines.credit - lines.debit as cash_effect
    from lines
    inner join cash_vouchers
        on lines.voucher_id = cash_vouchers.voucher_id
    where not lines.is_cash and lines.credit - lines.debit <> 0

),

best_prefix as (

    select
        counterparts.gl_line_id,
        rules.account_prefix,
        row_number() over (
            partition by counterparts.gl_line_id order by {{ dbt.length('rules.account_prefix') }} desc
        ) as match_rank
    from counterparts
    inner join (select distinct account_prefix from rules where role = 'counterparty') as rules
        on counterparts.account_code like {{ dbt.concat(["rules.account_prefix", "'%'"]) }}

),

classified as (

    select
        counterparts.gl_line_id,
        max(rules.line_code) as line_code
    from counterparts
    inner join best_prefix
        on counterparts.gl_line_id = best_prefix.gl_line_id
        and best_prefix.match_rank = 1
    inner join rules
        on rules.role = 'counterparty'
        and rules.account_prefix = best_prefix.account_prefix
        and (rules.direction = 'any'
             or (rules.direction = 'inflow' and counterparts.cash_effect > 0)
             or (rules.direction = 'outflow' and counterparts.cash_effect < 0))
    group by counterparts.gl_line_id

),

ic_parties as (

    select group_org_code, party_type, party_code from {{ ref('int_group_counterparties') }}

),

final as (

    select
        counterparts.org_code,
        counterparts.period,
        counterparts.voucher_id,
        counterparts.gl_line_id,
        counterparts.voucher_date,
        counterparts.account_code,
        counterparts.customer_code,
        counterparts.supplier_code,
        counterparts.employee_code,
        counterparts.summary,
        counterparts.source_document_no,
        {{ money('counterparts.cash_effect') }} as cash_effect,
        classified.line_code,
        coalesce(ic_customer.group_org_code, ic_supplier.group_org_code) as counterparty_org_code
    from counterparts
    left join classified
        on counterparts.gl_line_id = classified.gl_line_id
    left join ic_parties as ic_customer
        on ic_customer.party_type = 'customer'
        and counterparts.customer_code = ic_customer.party_code
        and counterparts.org_code <> ic_customer.group_org_code
    left join ic_parties as ic_supplier
        on ic_supplier.party_type = 'supplier'
        and counterparts.supplier_code = ic_supplier.party_code
        and counterparts.org_code <> ic_supplier.group_org_code

)

select * from final
