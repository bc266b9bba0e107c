"""GRIP configuration kept in AWS rather than in plain environment variables.

GRIP_URL_SECRET     a Secrets Manager secret (name or ARN)
GRIP_URL_PARAMETER  an SSM Parameter Store parameter (SecureString decrypted)
GRIP_URL_MAX_AGE    seconds a value read is reused before it is read again (default 300, or
                    POWERTOOLS_PARAMETERS_MAX_AGE when that is set)

The value is a GRIP URL, or a JSON object (Secrets Manager's key/value form) with GRIP_URL
and/or GRIP_PROXIES, optionally GRIP_VERIFY_KEY and GRIP_PREFIX: each key present overrides
the environment variable of the same name; other keys are ignored. Values are read through
Powertools Parameters (boto3), both loaded on first use.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

from faas_grip.errors import GripConfigError

SECRET = "GRIP_URL_SECRET"
PARAMETER = "GRIP_URL_PARAMETER"
MAX_AGE = "GRIP_URL_MAX_AGE"
DEFAULT_MAX_AGE = 300
KEYS = ("GRIP_URL", "GRIP_PROXIES", "GRIP_VERIFY_KEY", "GRIP_PREFIX")

_WHERE = {SECRET: "Secrets Manager secret", PARAMETER: "SSM parameter"}
_PERMISSION = {
    SECRET: "secretsmanager:GetSecretValue",
    PARAMETER: "ssm:GetParameter",
}

# One Powertools provider per kind, kept for the process (warm invocations reuse its client).
_providers: dict[str, Any] = {}


class AwsSource(NamedTuple):
    """Where the configuration lives: the variable that named it, the name, the max age."""

    variable: str
    name: str
    max_age: int

    def describe(self) -> str:
        return f"{_WHERE[self.variable]} {self.name!r} ({self.variable})"


def aws_source(environ: Mapping[str, str]) -> AwsSource | None:
    """The configured AWS source, or None; GripConfigError when the variables conflict."""
    secret, parameter = environ.get(SECRET), environ.get(PARAMETER)
    if secret and parameter:
        raise GripConfigError(f"set {SECRET} or {PARAMETER}, not both")
    if not (secret or parameter):
        return None
    raw_age = environ.get(MAX_AGE) or environ.get("POWERTOOLS_PARAMETERS_MAX_AGE")
    max_age = DEFAULT_MAX_AGE
    if raw_age:
        try:
            max_age = int(raw_age)
        except ValueError:
            max_age = -1
        if max_age < 0:
            raise GripConfigError(
                f"{MAX_AGE} must be a whole number of seconds >= 0, got {raw_age!r}"
            )
    if secret:
        return AwsSource(SECRET, secret, max_age)
    return AwsSource(PARAMETER, str(parameter), max_age)


def fetch(source: AwsSource) -> str:
    """Read the source's current value from AWS; GripConfigError says why it could not."""
    try:
        provider = _provider(source.variable)
        if source.variable == SECRET:
            value = provider.get(source.name, max_age=source.max_age, force_fetch=True)
        else:
            value = provider.get(
                source.name, max_age=source.max_age, decrypt=True, force_fetch=True
            )
    except ImportError as exc:
        raise GripConfigError(
            f"{source.variable} needs boto3 and aws-lambda-powertools: pip install "
            "'faas-grip[aws]', or attach the Powertools layer"
        ) from exc
    except Exception as exc:  # Powertools wraps every AWS error in GetParameterError
        raise GripConfigError(
            f"could not read the {source.describe()}: {exc}. The function's role needs "
            f"{_PERMISSION[source.variable]} on it (and kms:Decrypt when a customer-managed "
            "KMS key encrypts it)"
        ) from exc
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise GripConfigError(f"the {source.describe()} is binary, not text") from exc
    if not isinstance(value, str) or not value.strip():
        raise GripConfigError(f"the {source.describe()} is empty")
    return value


def overlay(source: AwsSource, value: str) -> dict[str, str]:
    """The environment variables the value sets (never echoes the value in errors)."""
    text = value.strip()
    if not text.startswith("{"):
        return {"GRIP_URL": text}
    try:
        data = json.loads(text)
    except ValueError:
        raise GripConfigError(
            f"the {source.describe()} starts with '{{' but is not valid JSON"
        ) from None
    if not isinstance(data, dict) or not ({"GRIP_URL", "GRIP_PROXIES"} & data.keys()):
        raise GripConfigError(
            f"the {source.describe()} must be a GRIP URL, or a JSON object with GRIP_URL "
            "or GRIP_PROXIES"
        )
    return {
        key: data[key] if isinstance(data[key], str) else json.dumps(data[key])
        for key in KEYS
        if key in data
    }


def reset() -> None:
    """Forget the providers and their cached values (reset_settings() calls this)."""
    _providers.clear()


def _provider(variable: str) -> Any:
    provider = _providers.get(variable)
    if provider is None:
        from aws_lambda_powertools.utilities import parameters
        from botocore.config import Config  # type: ignore[import-untyped]

        # boto3's defaults (60 s timeouts, legacy retries) could stall a cold start for minutes.
        config = Config(
            connect_timeout=2, read_timeout=3, retries={"max_attempts": 3, "mode": "standard"}
        )
        if variable == SECRET:
            provider = parameters.SecretsProvider(boto_config=config)
        else:
            provider = parameters.SSMProvider(boto_config=config)
        _providers[variable] = provider
    return provider
