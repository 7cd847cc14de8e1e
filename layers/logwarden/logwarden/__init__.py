"""logwarden: ingest, mask, index and watch the order system's logs.

Every piece of logic lives in this package; the Lambda handlers under ``functions/`` and the
``logwarden`` command only parse their input, call into it, and shape the result.
"""

__version__ = "0.1.0"
