"""PII masking: every path that stores or emits log content passes it through ``Masker`` first.

``default_masker()`` is the cached masker with the shipped, safe defaults. ``Masker(load_config(env))`` applies
``LOGWARDEN_MASKING_*`` overrides and, for the ``hash`` mode, fetches the HMAC key through Powertools parameters.
See ``docs/MASKING.md``.
"""

from __future__ import annotations

from logwarden.masking.config import MaskingConfig, load_config
from logwarden.masking.kinds import Kind, Mode
from logwarden.masking.masker import Masker, default_masker

__all__ = ["Kind", "Masker", "MaskingConfig", "Mode", "default_masker", "load_config"]
