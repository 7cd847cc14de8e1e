"""PII masking: every path that stores or emits log content passes it through ``masker.Masker`` first.

``masker.default_masker()`` is the cached masker with the shipped, safe defaults; ``Masker(config.load_config(env))``
applies ``LOGWARDEN_MASKING_*`` overrides and, for the ``hash`` mode, fetches the HMAC key through Powertools
parameters (``hashkey``). ``text`` holds the detectors, ``prefilter`` the one-pass Hyperscan filter in front of them,
``fieldnames`` the named-field rules, ``checksums`` the document check digits. See ``docs/MASKING.md``.
"""
