-- Payables aging (应付账款账龄) per org, period end and supplier from the ERP
-- subledger's open items, in the org's base currency: not yet due, 0–30,
-- 31–60, 61–90 and over 90 days past due;
-- and the group (org_code 'GROUP') in the reporting currency without intercompany
-- suppliers.

{{ aging_by_counterparty('AP', 'supplier') }}
