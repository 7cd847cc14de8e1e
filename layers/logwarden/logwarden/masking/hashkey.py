"""The HMAC key of the ``hash`` masking mode, read by name through Powertools parameters (cached)."""

from __future__ import annotations

from typing import Final

from logwarden.errors import ConfigurationError

KEY_MAX_AGE_SECONDS: Final = 3600
_MIN_KEY_BYTES: Final = 16


def fetch_hash_key(source: str, name: str) -> bytes:
    """The key from Secrets Manager (``source="secretsmanager"``) or a SecureString SSM parameter (``"ssm"``)."""
    from aws_lambda_powertools.utilities import parameters

    try:
        if source == "secretsmanager":
            value: str | bytes = parameters.get_secret(name, max_age=KEY_MAX_AGE_SECONDS)
        elif source == "ssm":
            value = parameters.get_parameter(name, decrypt=True, max_age=KEY_MAX_AGE_SECONDS)
        else:
            raise ConfigurationError([f"masking hash key source {source!r}: expected secretsmanager or ssm"])
    except parameters.exceptions.GetParameterError as error:
        raise ConfigurationError([f"masking hash key {name!r} from {source}: {error}"]) from error
    key = value if isinstance(value, bytes) else value.encode("utf-8")
    if len(key) < _MIN_KEY_BYTES:
        raise ConfigurationError([f"masking hash key {name!r} from {source}: shorter than {_MIN_KEY_BYTES} bytes"])
    return key
