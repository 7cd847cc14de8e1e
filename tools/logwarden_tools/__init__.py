"""logwarden's local tooling: the ``logwarden`` command and what only it runs.

``cli`` and ``commands`` (one module per subcommand), ``demo`` (the whole pipeline on a laptop), ``local`` (the
OpenSearch engine, the RabbitMQ broker, moto and the poller standing in for Lambda's MQ mapping), ``generate``
(order-system traffic and per-minute count scenarios), ``backtest`` and ``ism_validation``. Nothing here is in the
Lambda layer: the functions run ``logwarden`` (layers/logwarden) alone.
"""
