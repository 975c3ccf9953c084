{#- Exact money arithmetic in integer cents (DECIMAL division would round at its own scale).

    prorate(total, part, whole): total × part ÷ whole, rounded half away from zero to the
    cent, and exactly `total` when part = whole — so the last of several partial clearings
    or allocations relieves exactly what is left (the cumulative method: callers prorate the
    cumulative part and subtract the previous cumulative result).

    fraction(amount, numerator, denominator): amount × numerator ÷ denominator, rounded half
    away from zero to the cent (2019 公告第39号: e.g. × 9 ÷ 109). -#}

{% macro prorate(total, part, whole, part_scale=100) -%}
    case
        when {{ part }} = {{ whole }} then {{ money(total) }}
        when {{ whole }} = 0 then {{ money('0') }}
        else {{ from_cents(
            "sign(" ~ cents(total) ~ " * " ~ units(part, part_scale) ~ ") * ("
            ~ "(abs(" ~ cents(total) ~ " * " ~ units(part, part_scale) ~ ") * 2 + " ~ units(whole, part_scale) ~ ")"
            ~ " // (2 * " ~ units(whole, part_scale) ~ "))"
        ) }}
    end
{%- endmacro %}

{% macro fraction(amount, numerator, denominator) -%}
    {{ from_cents(
        "sign(" ~ cents(amount) ~ ") * ((abs(" ~ cents(amount) ~ " * " ~ numerator ~ ") * 2 + " ~ denominator ~ ")"
        ~ " // (2 * " ~ denominator ~ "))"
    ) }}
{%- endmacro %}

{#- An amount in integer cents (HUGEINT: products of two amounts cannot overflow). -#}
{% macro cents(expr) -%}
    cast(round(({{ expr }}) * 100) as hugeint)
{%- endmacro %}

{#- A quantity or amount as an integer at the given scale (100 for money, 1000 for quantities). -#}
{% macro units(expr, scale) -%}
    cast(round(({{ expr }}) * {{ scale }}) as hugeint)
{%- endmacro %}

{#- Integer cents back to money (multiplying by 0.01 keeps DECIMAL; dividing would give DOUBLE). -#}
{% macro from_cents(expr) -%}
    {{ money("cast(" ~ expr ~ " as decimal(38, 0)) * 0.01") }}
{%- endmacro %}
