"""Anomaly detection over per-minute log event counts: findings, no side effects.

``model`` (series keys, minutes), ``counts`` (the count views the detectors read), ``span`` (the buckets one check
run fetches), ``baseline`` and ``poisson`` (seasonal, robust expectations), ``detectors`` (thresholds, spikes,
drops, storms, trends: findings), ``rules`` (the tunable rules, shipped in ``rules.toml``). ``opensearch`` is the
one edge: it counts what was indexed. What happens to a finding is ``logwarden.alerting``.
"""
