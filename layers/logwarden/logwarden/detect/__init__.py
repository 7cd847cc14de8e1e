"""Anomaly detection over per-minute log event counts.

The core is pure: ``model`` (series keys, minutes), ``counts`` (the count views the detectors read),
``baseline`` (seasonal expectations), ``detectors`` (findings), ``lifecycle`` (alert state machine) and
``check`` (one evaluation step). The same check runs in the scheduled Lambda (counts from OpenSearch,
state in DynamoDB) and in ``logwarden backtest`` (counts from a CSV, state in memory). I/O lives in
``opensearch``, ``state``, ``publish`` and ``chat``.
"""
