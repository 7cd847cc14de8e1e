"""Every environment setting logwarden reads, declared once: its name, type, default, and who reads it.

``logwarden.config`` reads the functions' settings only through this table (an undeclared name is a programming
error), docs/CONFIG.md is generated from it (``python -m logwarden.settings``), and tests/template holds
template.yaml to it both ways: every variable the template gives a function is one that function reads, and every
setting a function needs is given. Local tooling (the engines the project installs, the demo) declares its
settings here too, so a name in a doc or a script always has one meaning.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Final, Literal

SettingType = Literal["text", "flag", "number", "integer", "choice", "json", "csv", "arn", "path", "url"]

INGEST_CLOUDWATCH: Final = "ingest_cloudwatch"
INGEST_MQ: Final = "ingest_mq"
INGEST_KINESIS: Final = "ingest_kinesis"
DRAIN_DEADLETTER: Final = "drain_deadletter"
ANOMALY_CHECK: Final = "anomaly_check"
CHAT_NOTIFY: Final = "chat_notify"
BOOTSTRAP: Final = "bootstrap"
# Readers that are not Lambda functions: the `logwarden` command and the local engines it manages.
CLI: Final = "cli"
LOCAL: Final = "local"

FUNCTIONS: Final = (
    INGEST_CLOUDWATCH,
    INGEST_MQ,
    INGEST_KINESIS,
    DRAIN_DEADLETTER,
    ANOMALY_CHECK,
    CHAT_NOTIFY,
    BOOTSTRAP,
)
# Everything that builds an IngestConfig: the three sources, and the drain (which writes what they parked).
INGEST: Final = (INGEST_CLOUDWATCH, INGEST_MQ, INGEST_KINESIS, DRAIN_DEADLETTER)
OPENSEARCH_USERS: Final = (*INGEST, ANOMALY_CHECK, BOOTSTRAP)


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    type: SettingType
    summary: str
    readers: tuple[str, ...]
    default: str | None = None  # the value used when unset; None: no value (or see default_note)
    default_note: str = ""  # a default worked out from other settings, in words
    required_by: tuple[str, ...] = ()  # readers that refuse to start without it
    choices: tuple[str, ...] = ()
    family: bool = False  # ``name`` is a prefix: LOGWARDEN_MASKING_MODE_<KIND>
    owner: Literal["logwarden", "powertools"] = "logwarden"

    @property
    def default_text(self) -> str:
        if self.default_note:
            return self.default_note
        return "(none)" if self.default is None else f"`{self.default}`" if self.default else '`""`'


_ANY_FUNCTION = FUNCTIONS
_STAGES = ("dev", "test", "staging", "prod")

SETTINGS: Final[tuple[Setting, ...]] = (
    # -- where OpenSearch is and how to sign for it --------------------------------------------------------------
    Setting(
        "LOGWARDEN_OPENSEARCH_ENDPOINT",
        "url",
        "The stack's OpenSearch domain endpoint (a bare host name gets https://).",
        (*OPENSEARCH_USERS, CLI),
        default_note="(none; OPENSEARCH_URL is the alternative)",
        required_by=OPENSEARCH_USERS,
    ),
    Setting("OPENSEARCH_URL", "url", "Any other cluster's URL (the local engine, a self-managed one).", (CLI,)),
    Setting(
        "LOGWARDEN_OPENSEARCH_AUTH",
        "choice",
        "How requests are authenticated.",
        (*OPENSEARCH_USERS, CLI),
        default_note="`sigv4` for *.amazonaws.com endpoints, `basic` when OPENSEARCH_USERNAME is set, else `none`",
        choices=("sigv4", "basic", "none"),
    ),
    Setting(
        "LOGWARDEN_OPENSEARCH_SERVICE",
        "choice",
        "The SigV4 service name.",
        (*OPENSEARCH_USERS, CLI),
        "es",
        choices=("es", "aoss"),
    ),
    Setting(
        "LOGWARDEN_OPENSEARCH_TIMEOUT_S", "number", "Per-request timeout, seconds.", (*OPENSEARCH_USERS, CLI), "30"
    ),
    Setting("OPENSEARCH_USERNAME", "text", "Basic-auth user (clusters without SigV4).", (*OPENSEARCH_USERS, CLI)),
    Setting("OPENSEARCH_PASSWORD", "text", "Basic-auth password.", (*OPENSEARCH_USERS, CLI)),
    Setting(
        "OPENSEARCH_CA_CERTS", "path", "A CA bundle to trust for the cluster's certificate.", (*OPENSEARCH_USERS, CLI)
    ),
    Setting(
        "AWS_REGION",
        "text",
        "The region to sign for (Lambda sets it).",
        (*OPENSEARCH_USERS, CLI),
        default_note="AWS_DEFAULT_REGION, else the session's region",
    ),
    Setting("AWS_DEFAULT_REGION", "text", "Fallback for AWS_REGION.", (*OPENSEARCH_USERS, CLI)),
    # -- what is indexed where -----------------------------------------------------------------------------------
    Setting(
        "LOGWARDEN_INDEX_PREFIX",
        "text",
        "Prefix of the data streams (`<prefix>-<subsystem>-<level class>`).",
        (*INGEST, ANOMALY_CHECK, CLI),
        "logs",
    ),
    Setting(
        "LOGWARDEN_STAGE",
        "choice",
        "Deployment stage; prod drops DEBUG unless told otherwise.",
        (*INGEST, ANOMALY_CHECK, CLI),
        "dev",
        choices=_STAGES,
    ),
    Setting(
        "LOGWARDEN_DROP_DEBUG",
        "flag",
        "Drop DEBUG events before indexing.",
        (*INGEST, CLI),
        default_note="`true` when LOGWARDEN_STAGE is prod, else `false`",
    ),
    Setting(
        "LOGWARDEN_ROUTING_RULES", "json", "Extra routing rules, a JSON list (docs/SCHEMA.md).", (*INGEST, CLI), "[]"
    ),
    Setting("LOGWARDEN_DEFAULT_SUBSYSTEM", "text", "Subsystem of log groups no rule names.", (*INGEST, CLI), "other"),
    Setting("LOGWARDEN_BULK_MAX_BYTES", "integer", "Largest bulk request body, bytes.", (*INGEST, CLI), "5242880"),
    Setting("LOGWARDEN_BULK_MAX_ACTIONS", "integer", "Most documents in one bulk request.", (*INGEST, CLI), "2000"),
    # -- dead letters ---------------------------------------------------------------------------------------------
    Setting(
        "LOGWARDEN_DEADLETTER_BUCKET",
        "text",
        "S3 bucket of the dead-letter store (in AWS).",
        (*INGEST, CLI),
        required_by=INGEST,
        default_note="(none; LOGWARDEN_DEADLETTER_DIR is the local alternative)",
    ),
    Setting("LOGWARDEN_DEADLETTER_DIR", "path", "Local dead-letter directory (the CLI, the demo).", (*INGEST, CLI)),
    Setting("LOGWARDEN_DEADLETTER_PREFIX", "text", "Key prefix inside the bucket.", (*INGEST, CLI), "deadletter/"),
    Setting("LOGWARDEN_DEADLETTER_KMS_KEY_ID", "arn", "KMS key for the parked objects (SSE-KMS).", (*INGEST, CLI)),
    # -- decompression bounds ---------------------------------------------------------------------------------------
    Setting(
        "LOGWARDEN_INFLATE_MAX_MESSAGE_BYTES",
        "integer",
        "Most bytes one compressed message (a CloudWatch delivery, an MQ body) may inflate to; more is `too_large`.",
        (*INGEST, CLI),
        "33554432",
    ),
    Setting(
        "LOGWARDEN_INFLATE_MAX_DELIVERY_BYTES",
        "integer",
        "Most bytes all compressed messages of one invocation may inflate to together.",
        (*INGEST, CLI),
        "67108864",
    ),
    # -- masking --------------------------------------------------------------------------------------------------
    Setting(
        "LOGWARDEN_MASKING_CONFIG_FILE",
        "path",
        "A masking.toml to use instead of the shipped one.",
        (*INGEST, CLI),
        default_note="the shipped logwarden/masking/masking.toml",
    ),
    Setting(
        "LOGWARDEN_MASKING_MODE_",
        "choice",
        "Masking mode of one kind (`LOGWARDEN_MASKING_MODE_EMAIL=hash`); "
        "`LOGWARDEN_MASKING_MODE_DEFAULT` for every kind not named.",
        (*INGEST, CLI),
        default_note="masking.toml: `partial` for cards, `placeholder` otherwise",
        choices=("placeholder", "partial", "hash"),
        family=True,
    ),
    Setting("LOGWARDEN_MASKING_DISABLED_KINDS", "csv", "Kinds never masked (comma-separated).", (*INGEST, CLI), ""),
    Setting("LOGWARDEN_MASKING_ALLOW_FIELDS", "csv", "Field names whose values are never masked.", (*INGEST, CLI), ""),
    Setting(
        "LOGWARDEN_MASKING_MASK_PRIVATE_IPS",
        "flag",
        "Mask private and link-local addresses too (`false` keeps them).",
        (*INGEST, CLI),
        default_note="masking.toml (`true`)",
    ),
    Setting(
        "LOGWARDEN_MASKING_KEEP_CIDRS",
        "csv",
        "Infrastructure address ranges (CIDRs) whose addresses are kept; every other IP is masked.",
        (*INGEST, CLI),
        "",
    ),
    Setting(
        "LOGWARDEN_MASKING_LINE_TIME_BOUND_MS",
        "integer",
        "A line the masker cannot finish within this many milliseconds is replaced by a redaction marker and counted.",
        (*INGEST, CLI),
        default_note="masking.toml (`5000`)",
    ),
    Setting(
        "LOGWARDEN_MASKING_HASH_KEY_SOURCE",
        "choice",
        "Where the HMAC key of the `hash` mode lives.",
        (*INGEST, CLI),
        "secretsmanager",
        choices=("secretsmanager", "ssm"),
    ),
    Setting(
        "LOGWARDEN_MASKING_HASH_KEY_NAME",
        "text",
        "Name of the HMAC key (a Secrets Manager secret or an SSM SecureString); never the key itself.",
        (*INGEST, CLI),
        "",
    ),
    Setting(
        "LOGWARDEN_DRAIN_MAX_DOCUMENTS",
        "integer",
        "Most parked documents one scheduled drain run replays.",
        (DRAIN_DEADLETTER,),
        "200000",
    ),
    # -- anomaly check --------------------------------------------------------------------------------------------
    Setting(
        "LOGWARDEN_ALERT_TOPIC_ARN",
        "arn",
        "SNS topic alerts and recoveries go to.",
        (ANOMALY_CHECK, CLI),
        required_by=(ANOMALY_CHECK,),
    ),
    Setting(
        "LOGWARDEN_ALERT_STATE_TABLE",
        "text",
        "DynamoDB table of alert state (cooldown, open alerts).",
        (ANOMALY_CHECK, CLI),
        required_by=(ANOMALY_CHECK,),
    ),
    Setting(
        "LOGWARDEN_RULES_PARAMETER",
        "text",
        "SSM parameter holding a rules override (TOML or JSON).",
        (ANOMALY_CHECK, CLI),
    ),
    Setting("LOGWARDEN_DASHBOARDS_URL", "url", "Dashboards link put into alert messages.", (ANOMALY_CHECK, CLI)),
    Setting(
        "LOGWARDEN_ANOMALY_LAG_MINUTES",
        "integer",
        "Minutes the check stays behind now (ingest lag).",
        (ANOMALY_CHECK, CLI),
        "1",
    ),
    Setting(
        "LOGWARDEN_ANOMALY_MAX_SERIES", "integer", "Most series one check evaluates.", (ANOMALY_CHECK, CLI), "5000"
    ),
    # -- chat -----------------------------------------------------------------------------------------------------
    Setting(
        "LOGWARDEN_CHAT_SECRET_NAME",
        "text",
        "Secrets Manager secret with the chat webhooks.",
        (CHAT_NOTIFY,),
        required_by=(CHAT_NOTIFY,),
    ),
    Setting("LOGWARDEN_CHAT_TIMEOUT_S", "number", "Timeout of one webhook call, seconds.", (CHAT_NOTIFY,), "5"),
    Setting("LOGWARDEN_CHAT_MAX_ATTEMPTS", "integer", "Attempts per webhook before giving up.", (CHAT_NOTIFY,), "4"),
    Setting(
        "LOGWARDEN_CHAT_ALLOW_LOCAL_URLS",
        "flag",
        "Also accept http://127.0.0.1 webhooks (the demo and tests only; never in a stack).",
        (CHAT_NOTIFY, CLI),
        "false",
    ),
    Setting(
        "LOGWARDEN_CHAT_SECRET_MAX_AGE_S",
        "integer",
        "How long the webhooks secret is cached, seconds.",
        (CHAT_NOTIFY,),
        "300",
    ),
    # -- bootstrap ------------------------------------------------------------------------------------------------
    Setting(
        "LOGWARDEN_DASHBOARDS_ENDPOINT",
        "url",
        "Dashboards endpoint the bootstrap imports saved objects into.",
        (BOOTSTRAP, CLI),
    ),
    Setting(
        "LOGWARDEN_ALLOW_NO_ISM",
        "flag",
        "Accept a cluster without the ISM plugin (local engines only).",
        (BOOTSTRAP, CLI),
        "false",
    ),
    Setting(
        "LOGWARDEN_STACK_ID",
        "text",
        "The stack whose CloudFormation requests the bootstrap acts on (ARN or name); others are refused.",
        (BOOTSTRAP,),
        default_note="(none: every stack accepted, and each request logged)",
    ),
    Setting(
        "LOGWARDEN_BOOTSTRAP_ALLOW_LOCAL_RESPONSE_URL",
        "flag",
        "Also answer to http://127.0.0.1 response URLs (local runs and tests only; never in a stack).",
        (BOOTSTRAP, CLI),
        "false",
    ),
    # -- read by Powertools, given by the template ----------------------------------------------------------------
    Setting(
        "POWERTOOLS_SERVICE_NAME",
        "text",
        "Service name in logs, metrics and traces.",
        _ANY_FUNCTION,
        owner="powertools",
    ),
    Setting("POWERTOOLS_METRICS_NAMESPACE", "text", "CloudWatch metrics namespace.", _ANY_FUNCTION, owner="powertools"),
    Setting(
        "POWERTOOLS_LOGGER_LOG_EVENT",
        "flag",
        "Never `true`: events hold unmasked personal data.",
        _ANY_FUNCTION,
        "false",
        owner="powertools",
    ),
    Setting(
        "POWERTOOLS_TRACER_CAPTURE_RESPONSE",
        "flag",
        "Never `true`: responses may hold personal data.",
        _ANY_FUNCTION,
        "false",
        owner="powertools",
    ),
    Setting(
        "POWERTOOLS_TRACER_CAPTURE_ERROR",
        "flag",
        "Never `true`: errors may quote personal data.",
        _ANY_FUNCTION,
        "false",
        owner="powertools",
    ),
    Setting("LOG_LEVEL", "text", "Log level of the functions' own logs.", _ANY_FUNCTION, "INFO", owner="powertools"),
    # -- the demo and the local engines (never in Lambda) ---------------------------------------------------------
    Setting(
        "LOGWARDEN_DEMO_ALERT_TOPIC_ARN",
        "arn",
        "A real SNS topic the demo publishes its alerts to, through a loopback relay (docs/DEMO.md).",
        (CLI,),
    ),
    Setting(
        "LOGWARDEN_FUNCTIONS_DIR",
        "path",
        "The `functions/` whose handlers the demo runs.",
        (CLI,),
        default_note="`functions/` of the checkout the command runs in",
    ),
    Setting(
        "LOGWARDEN_HOME",
        "path",
        "Where the local engines are installed and keep their data.",
        (LOCAL,),
        default_note="`~/.cache/logwarden` (`/var/cache/logwarden` as root)",
    ),
    Setting(
        "LOGWARDEN_JAVA_HOME",
        "path",
        "The JDK the local OpenSearch runs on.",
        (LOCAL,),
        default_note="found on the machine",
    ),
    Setting(
        "LOGWARDEN_MAVEN_REPOSITORY",
        "path",
        "Local Maven repository the engine is fetched into.",
        (LOCAL,),
        default_note="`~/.m2/repository`",
    ),
    Setting(
        "LOGWARDEN_OPENSEARCH_PROFILE",
        "choice",
        "Local engine with the Security plugin or without.",
        (LOCAL,),
        "secure",
        choices=("secure", "plain"),
    ),
    Setting("LOGWARDEN_OPENSEARCH_PORT", "integer", "Local engine's HTTP port.", (LOCAL,), "9200"),
    Setting("LOGWARDEN_OPENSEARCH_TRANSPORT_PORT", "integer", "Local engine's transport port.", (LOCAL,), "9300"),
    Setting("LOGWARDEN_OPENSEARCH_HEAP", "text", "Local engine's Java heap (512m, 1g).", (LOCAL,), "1g"),
    Setting(
        "LOGWARDEN_OPENSEARCH_USER",
        "text",
        "System user the local engine runs as when started by root.",
        (LOCAL,),
        "logwarden-os",
    ),
    Setting("LOGWARDEN_OPENSEARCH_START_TIMEOUT", "integer", "Seconds to wait for the local engine.", (LOCAL,), "180"),
    Setting("LOGWARDEN_RABBITMQ_PORT", "integer", "Local broker's AMQP port.", (LOCAL,), "5672"),
    Setting("LOGWARDEN_RABBITMQ_START_TIMEOUT", "integer", "Seconds to wait for the local broker.", (LOCAL,), "60"),
    Setting(
        "LOGWARDEN_RABBITMQ_URL",
        "url",
        "AMQP URL the local poller and MQ tests use.",
        (LOCAL,),
        default_note="`amqp://guest:guest@127.0.0.1:<LOGWARDEN_RABBITMQ_PORT>/`",
    ),
    Setting(
        "LOGWARDEN_RABBITMQ_LOGS_QUEUE", "text", "Queue bound to the broker's log exchange.", (LOCAL,), "broker-logs"
    ),
    Setting(
        "LOGWARDEN_RABBITMQ_SERVICE_QUEUE", "text", "Queue of the services' own log messages.", (LOCAL,), "service-logs"
    ),
)

BY_NAME: Final = {setting.name: setting for setting in SETTINGS}


def declared(name: str) -> Setting:
    """The declaration of ``name`` (a family such as LOGWARDEN_MASKING_MODE_EMAIL answers with its prefix's)."""
    found = BY_NAME.get(name)
    if found is not None:
        return found
    for setting in SETTINGS:
        if setting.family and name.startswith(setting.name):
            return setting
    raise KeyError(f"{name} is not declared in logwarden/settings.py")


def read_by(reader: str) -> list[Setting]:
    return [setting for setting in SETTINGS if reader in setting.readers]


def render_markdown() -> str:
    """docs/CONFIG.md."""
    lines = [
        "# Configuration",
        "",
        "Generated from `layers/logwarden/logwarden/settings.py` by `python -m logwarden.settings > docs/CONFIG.md`;",
        "a test fails when this file and the declaration differ, and another holds template.yaml to the declaration.",
        "A function refuses to start with one error naming every missing or bad setting.",
        "",
    ]
    sections = [(name, f"`functions/{name}`") for name in FUNCTIONS]
    sections += [(CLI, "the `logwarden` command"), (LOCAL, "the local engines (never in Lambda)")]
    for reader, title in sections:
        lines += [f"## {title}", "", "| setting | type | default | required | what it is |", "|---|---|---|---|---|"]
        for setting in read_by(reader):
            name = setting.name + "<KIND>" if setting.family else setting.name
            kind = setting.type + (f" ({' / '.join(setting.choices)})" if setting.choices else "")
            required = "yes" if reader in setting.required_by else ""
            owner = " Read by Powertools." if setting.owner == "powertools" else ""
            lines.append(f"| `{name}` | {kind} | {setting.default_text} | {required} | {setting.summary}{owner} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(render_markdown())
