"""From findings to messages people act on.

``lifecycle`` (incident threads: open, update, recover; pure), ``messages`` (what an e-mail and a chat post say),
``check`` (one scheduled evaluation: counts -> ``logwarden.detection`` -> lifecycle -> publish), ``service`` (the
anomaly check's composition root). The edges: ``state`` (alert state in DynamoDB, or in memory for a backtest),
``publish`` (SNS) and ``chat`` (Slack, Teams, Telegram webhooks).
"""
