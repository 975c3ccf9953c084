-- Every business event run through the posting rules (seed posting_rules): the voucher lines
-- finance should have posted.
--
-- A rule applies to an event's basis line when the event type matches, the line carries the
-- rule's measure (a named amount: net, tax, gross, receipt_value_cleared, price_difference,
-- carrying, realized_fx, fee, prepayment, deductible_tax, advance_offset, payable …) and
-- every condition holds (`attribute=value` pairs separated by `;`, on any attribute of
-- int_event_measures). Per event, basis line and line code the first applicable rule by
-- priority wins. Side D or C, or DC: debit when the (original) amount is positive, credit
-- when negative. Accounts come from a constant or a mapping set (seed
-- posting_account_mappings) keyed by attributes (`dept_function|expense_type`), where `*`
-- matches anything and the most specific key wins. A line whose account cannot be resolved
-- keeps a null account: it is reported (voucher_unposted), never dropped.
with

measures as (
    select * from {{ ref('int_event_measures') }}
),

rules as (
    select * from {{ ref('posting_rules') }}
    where rule_set = {{ posting_setting('rule_set') }}
),

conditions as (
    select rule_id, trim(split_part(condition_text, '=', 1)) as attribute,
        trim(split_part(condition_text, '=', 2)) as expected
    from (
        select rule_id, {{ split_rows('conditions', ';') }} as condition_text
        from rules
        where conditions is not null and trim(conditions) <> ''
    ) as parsed
    where trim(condition_text) <> ''
),

condition_counts as (
    select rule_id, count(*) as required from conditions group by rule_id
),

candidates as (
    select
        m.*,
        rules.rule_set,
        rules.rule_id,
        rules.priority,
        rules.line_no as rule_line_no,
        rules.line_code,
        rules.side as rule_side,
        rules.account_source,
        rules.account_value,
        rules.mapping_key,
        rules.party_dimension,
        rules.dept_dimension,
        rules.voucher_word,
        rules.summary_template,
        coalesce(condition_counts.required, 0) as required
    from measures as m
    inner join rules
        on rules.event_type = m.event_type
        and rules.measure = m.measure
    left join condition_counts on condition_counts.rule_id = rules.rule_id
),

satisfied as (
    select candidates.event_id, candidates.basis_line_no, candidates.measure, candidates.rule_id,
        count(*) as satisfied
    from candidates
    inner join conditions on conditions.rule_id = candidates.rule_id
    where {{ attribute_value('conditions.attribute', 'candidates') }} = conditions.expected
    group by candidates.event_id, candidates.basis_line_no, candidates.measure, candidates.rule_id
),

applicable as (
    select
        candidates.*,
        row_number() over (
            partition by candidates.event_id, candidates.basis_line_no, candidates.line_code
            order by candidates.priority, candidates.rule_id
        ) as rule_rank
    from candidates
    left join satisfied
        on satisfied.event_id = candidates.event_id
        and satisfied.basis_line_no = candidates.basis_line_no
        and satisfied.measure = candidates.measure
        and satisfied.rule_id = candidates.rule_id
    where candidates.required = coalesce(satisfied.satisfied, 0)
),

chosen as (
    select
        *,
        case
            when mapping_key is null or trim(mapping_key) = '' then null
            when split_part(mapping_key, '|', 2) = '' then {{ attribute_value("split_part(mapping_key, '|', 1)", 'applicable') }}
            else {{ dbt.concat([
                attribute_value("split_part(mapping_key, '|', 1)", 'applicable'), "'|'",
                attribute_value("split_part(mapping_key, '|', 2)", 'applicable')]) }}
        end as mapping_value
    from applicable
    where rule_rank = 1
),

mapping_candidates as (
    select
        chosen.event_id,
        chosen.basis_line_no,
        chosen.rule_id,
        mappings.account_code,
        row_number() over (
            partition by chosen.event_id, chosen.basis_line_no, chosen.rule_id
            -- the most specific key wins: the most literal characters, then the fewest wildcards
            order by length(replace(mappings.match_key, '*', '')) desc,
                length(mappings.match_key) - length(replace(mappings.match_key, '*', '')),
                mappings.match_key
        ) as specificity_rank
    from chosen
    inner join {{ ref('posting_account_mappings') }} as mappings
        on chosen.account_source = 'mapping'
        and mappings.mapping_set = chosen.account_value
        and chosen.mapping_value like replace(mappings.match_key, '*', '%')
),

resolved as (
    select
        chosen.*,
        case chosen.account_source
            when 'constant' then chosen.account_value
            when 'mapping' then mapping_candidates.account_code
        end as account_code,
        case when party_dimension = 'supplier' then supplier_code end as line_supplier_code,
        case when party_dimension = 'customer' then customer_code end as line_customer_code,
        case when party_dimension = 'employee' then employee_code end as line_employee_code,
        case when lower(cast(dept_dimension as {{ dbt.type_string() }})) = 'true' then dept_code end as line_dept_code
    from chosen
    left join mapping_candidates
        on mapping_candidates.event_id = chosen.event_id
        and mapping_candidates.basis_line_no = chosen.basis_line_no
        and mapping_candidates.rule_id = chosen.rule_id
        and mapping_candidates.specificity_rank = 1
),

-- one line per rule, account and dimensions; a DC line nets its basis lines first, then
-- takes the side of the (original) net amount
grouped as (
    select
        event_id, event_type, org_code, document_no, is_reversal, event_date, period, rule_set, rule_id,
        rule_line_no, line_code, rule_side, account_code, voucher_word, summary_template, currency,
        base_currency, fx_rate, line_supplier_code, line_customer_code, line_employee_code, line_dept_code,
        sum(amount_base) as amount_base,
        sum(amount_original) as amount_original
    from resolved
    group by
        event_id, event_type, org_code, document_no, is_reversal, event_date, period, rule_set, rule_id,
        rule_line_no, line_code, rule_side, account_code, voucher_word, summary_template, currency,
        base_currency, fx_rate, line_supplier_code, line_customer_code, line_employee_code, line_dept_code
),

sided as (
    select
        *,
        case when is_reversal then -amount_base else amount_base end as original_net_base
    from grouped
),

final as (
    select
        event_id,
        event_type,
        org_code,
        document_no,
        is_reversal,
        event_date,
        period,
        rule_set,
        rule_id,
        rule_line_no,
        line_code,
        case
            when rule_side <> 'DC' then rule_side
            when original_net_base >= 0 then 'D'
            else 'C'
        end as side,
        account_code,
        voucher_word,
        summary_template,
        currency,
        base_currency,
        fx_rate,
        line_supplier_code as supplier_code,
        line_customer_code as customer_code,
        line_employee_code as employee_code,
        line_dept_code as dept_code,
        {{ money("case when rule_side = 'DC' and original_net_base < 0 then -amount_base else amount_base end") }}
            as amount_base,
        {{ money("case when rule_side = 'DC' and original_net_base < 0 then -amount_original else amount_original end") }}
            as amount_original
    from sided
    where amount_base <> 0 or amount_original <> 0
)

select * from final
