"""Alerts: rules in the reporting configuration (:mod:`.rules`), their de-duplicated state in the
operational database (:mod:`.state`), and the check that notifies through the delivery channels
(:mod:`.engine`)."""
