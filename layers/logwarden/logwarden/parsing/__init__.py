"""Parsers: one per log format. Each takes one log record's text and returns the schema fields it could
read (flat dotted keys from ``logwarden.schema``; ``@timestamp`` as epoch milliseconds) or ``None`` when
the text is not in its format. Detection and normalisation live in ``logwarden.parsing.sniff``."""
