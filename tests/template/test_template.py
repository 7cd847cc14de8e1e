"""What the stack promises a security review, checked on the CloudFormation that SAM produces from template.yaml."""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

import pytest
from conftest import DOMAIN_ARN, KEY, ROOT, TOPIC, as_list, branches, of_type, statements

FUNCTIONS = {
    "IngestCloudWatchFunction": "ingest_cloudwatch",
    "IngestMqFunction": "ingest_mq",
    "IngestKinesisFunction": "ingest_kinesis",
    "DrainDeadLetterFunction": "drain_deadletter",
    "AnomalyCheckFunction": "anomaly_check",
    "ChatNotifyFunction": "chat_notify",
    "BootstrapFunction": "bootstrap",
}
# The HTTP methods each function may use on the domain: the same in its IAM role and in the domain access policy.
ES_METHODS = {
    "IngestCloudWatchRole": {"es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost"},
    "IngestMqRole": {"es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost"},
    "IngestKinesisRole": {"es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost"},
    "DrainDeadLetterRole": {"es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost"},
    "AnomalyCheckRole": {"es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost"},
    "ChatNotifyRole": set(),
    "BootstrapRole": {f"es:ESHttp{m}" for m in ("Delete", "Get", "Head", "Patch", "Post", "Put")},
}
# Actions AWS cannot scope to a resource; the only ones an identity policy may grant on "*".
UNSCOPABLE = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
}
# Every function: Powertools' settings (never copying events or responses anywhere) and the log level.
COMMON_ENV = {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOGGER_LOG_EVENT", "LOG_LEVEL"}


def identity_policies(cfn: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, role in of_type(cfn, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            found.extend((name, s) for s in statements(policy["PolicyDocument"]))
    for name, policy in of_type(cfn, "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy").items():
        found.extend((name, s) for s in statements(policy["Properties"]["PolicyDocument"]))
    return found


def resource_policies(cfn: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, resource in cfn["Resources"].items():
        props = resource.get("Properties", {})
        for key in ("KeyPolicy", "PolicyDocument", "AccessPolicies"):
            document = props.get(key)
            if resource["Type"] == "AWS::Logs::ResourcePolicy" and document is not None:
                text = re.sub(r"\$\{[^}]+\}", "X", document["Fn::Sub"])
                document = json.loads(text)
            if isinstance(document, dict) and resource["Type"] not in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
                found.extend((name, s) for s in statements(document))
    return found


def actions(statement: dict[str, Any]) -> list[str]:
    return [a for a in as_list(statement.get("Action", [])) if isinstance(a, str)]


# --- IAM ---------------------------------------------------------------------------------------------------------


def test_no_allow_statement_grants_a_wildcard_action(cfn: dict[str, Any]) -> None:
    # Deny statements may say s3:* (the TLS-only idiom restricts, it grants nothing).
    allows = [(n, s) for n, s in identity_policies(cfn) + resource_policies(cfn) if s["Effect"] == "Allow"]
    assert len(allows) > 40
    wildcards = [(n, a) for n, s in allows for a in actions(s) if "*" in a]
    assert wildcards == []
    assert all("NotAction" not in s for _, s in allows)


def test_no_role_has_managed_policies(cfn: dict[str, Any]) -> None:
    # Managed policies cannot be reviewed from the template; every permission is written out here.
    assert [n for n, r in of_type(cfn, "AWS::IAM::Role").items() if r["Properties"].get("ManagedPolicyArns")] == []


def test_identity_policies_grant_star_resources_only_for_unscopable_actions(cfn: dict[str, Any]) -> None:
    loose = [
        (name, action)
        for name, s in identity_policies(cfn)
        if s["Effect"] == "Allow" and "*" in as_list(s["Resource"])
        for action in actions(s)
        if action not in UNSCOPABLE
    ]
    assert loose == []


def test_es_actions_only_on_this_domain(cfn: dict[str, Any]) -> None:
    es_statements = [(n, s) for n, s in identity_policies(cfn) if any(a.startswith("es:") for a in actions(s))]
    assert es_statements
    for name, statement in es_statements:
        assert all(a.startswith("es:ESHttp") for a in actions(statement)), name
        assert as_list(statement["Resource"]) == [DOMAIN_ARN], name


@pytest.mark.parametrize("role", sorted(ES_METHODS))
def test_each_function_role_has_exactly_its_http_methods(cfn: dict[str, Any], role: str) -> None:
    granted = {
        a for n, s in identity_policies(cfn) if n == role and s["Effect"] == "Allow" for a in actions(s) if "es:" in a
    }
    assert granted == ES_METHODS[role]


def test_domain_access_policy_allows_only_stack_roles_with_their_methods(cfn: dict[str, Any]) -> None:
    policy = cfn["Resources"]["OpenSearchDomain"]["Properties"]["AccessPolicies"]
    by_role: dict[str, set[str]] = {}
    for statement in statements(policy):
        assert statement["Effect"] == "Allow"
        principals = as_list(statement["Principal"]["AWS"])
        if principals == ["*"]:
            # Only for SAML sign-in, and only the Dashboards path; FGAC authenticates the SAML assertion.
            assert statement["Resource"]["Fn::Sub"].endswith("domain/${DomainName}/_dashboards*")
            continue
        assert statement["Resource"] == DOMAIN_ARN
        for principal in principals:
            for candidate in branches(principal):
                if isinstance(candidate, dict) and "Fn::GetAtt" in candidate:
                    by_role.setdefault(candidate["Fn::GetAtt"][0], set()).update(actions(statement))
                else:  # roles given as parameters
                    assert candidate == {"Fn::Split": [",", candidate["Fn::Split"][1]]}
    for role, methods in ES_METHODS.items():
        assert by_role.pop(role, set()) == methods
    assert by_role.pop("ReplayRole") == {"es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost"}
    assert set(by_role) == {"SupportUserRole", "DevopsUserRole"}


def _deny_unless(policy: dict[str, Any], sid: str) -> tuple[set[str], list[Any]]:
    """The actions a Deny statement covers and the principals it exempts (its ArnNotLike list, unresolved)."""
    [statement] = [s for s in statements(policy) if s.get("Sid") == sid]
    assert statement["Effect"] == "Deny" and statement["Principal"] == "*"
    exempt = statement["Condition"]["ArnNotLike"]["aws:PrincipalArn"]["Fn::Split"][1]["Fn::Join"][1]
    return set(actions(statement)), exempt


def test_dead_letters_are_read_only_by_the_drain_replay_and_operators(cfn: dict[str, Any]) -> None:
    policy = cfn["Resources"]["DeadLetterBucketPolicy"]["Properties"]["PolicyDocument"]
    reads, readers = _deny_unless(policy, "ReadOnlyByDrainReplayAndOperators")
    assert {"s3:GetObject", "s3:DeleteObject", "s3:ListBucket"} <= reads
    assert readers[:2] == [{"Fn::GetAtt": ["DrainDeadLetterRole", "Arn"]}, {"Fn::GetAtt": ["ReplayRole", "Arn"]}]
    assert readers[2] == {"Fn::If": ["HasOperatorRoleArns", {"Ref": "OperatorRoleArns"}, {"Ref": "AWS::NoValue"}]}
    writes, writers = _deny_unless(policy, "WrittenOnlyByTheStack")
    assert writes == {"s3:PutObject"}
    named = {c["Fn::GetAtt"][0] for w in writers for c in branches(w) if isinstance(c, dict) and "Fn::GetAtt" in c}
    assert named == {"IngestCloudWatchRole", "IngestMqRole", "IngestKinesisRole", "DrainDeadLetterRole", "ReplayRole"}


def test_failed_events_are_read_only_by_replay_and_operators(cfn: dict[str, Any]) -> None:
    policy = cfn["Resources"]["FailedEventsQueuePolicy"]["Properties"]["PolicyDocument"]
    reads, readers = _deny_unless(policy, "ReadOnlyByReplayAndOperators")
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:PurgeQueue"} <= reads
    assert readers[0] == {"Fn::GetAtt": ["ReplayRole", "Arn"]} and len(readers) == 2


def test_the_replay_role_is_assumed_by_the_operators_and_maps_to_the_replay_fine_grained_role(
    cfn: dict[str, Any],
) -> None:
    role = cfn["Resources"]["ReplayRole"]["Properties"]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Action"] == "sts:AssumeRole" and "Service" not in trust["Principal"]
    assert trust["Principal"]["AWS"]["Fn::If"][0] == "HasOperatorRoleArns"
    bootstrap = cfn["Resources"]["OpenSearchBootstrap"]["Properties"]
    assert {"Fn::GetAtt": ["ReplayRole", "Arn"]} in bootstrap["replay_backend_roles"]["Fn::Join"][1]


def test_function_roles_trust_only_lambda(cfn: dict[str, Any]) -> None:
    for name in ES_METHODS:
        trust = cfn["Resources"][name]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert trust == [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ]


def test_key_policy_gives_no_principal_unconditional_use(cfn: dict[str, Any]) -> None:
    key = cfn["Resources"]["Key"]["Properties"]
    assert key["EnableKeyRotation"] is True
    use = {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"}
    for statement in statements(key["KeyPolicy"]):
        principal = statement["Principal"]
        assert principal != "*" and principal.get("AWS") != "*"
        if "AWS" in principal and use & set(actions(statement)):
            # Account principals use the key only through the stack's services.
            assert "kms:ViaService" in statement["Condition"]["StringEquals"]


def test_every_lambda_permission_is_scoped_by_source(cfn: dict[str, Any]) -> None:
    permissions = of_type(cfn, "AWS::Lambda::Permission")
    assert len(permissions) >= 14
    for name, permission in permissions.items():
        props = permission["Properties"]
        assert "SourceArn" in props, name
        if props["Principal"] == "logs.amazonaws.com":
            assert props["SourceAccount"] == {"Ref": "AWS::AccountId"}, name


# --- encryption ----------------------------------------------------------------------------------------------------

# Where each storing resource type names its key; every one must name the stack's key.
KEY_PATHS = {
    "AWS::SNS::Topic": ("KmsMasterKeyId",),
    "AWS::SQS::Queue": ("KmsMasterKeyId",),
    "AWS::DynamoDB::Table": ("SSESpecification", "KMSMasterKeyId"),
    "AWS::Logs::LogGroup": ("KmsKeyId",),
    "AWS::Lambda::Function": ("KmsKeyArn",),
    "AWS::SecretsManager::Secret": ("KmsKeyId",),
    "AWS::OpenSearchService::Domain": ("EncryptionAtRestOptions", "KmsKeyId"),
    "AWS::Kinesis::Stream": ("StreamEncryption", "KeyId"),
}
# Resource types that hold no data of their own.
NOT_STORES = {
    "AWS::CloudWatch::Alarm",
    "AWS::Cognito::IdentityPool",
    "AWS::Cognito::IdentityPoolRoleAttachment",
    "AWS::Cognito::UserPoolDomain",
    "AWS::Cognito::UserPoolGroup",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::VPC",
    "AWS::EC2::Subnet",
    "AWS::EC2::RouteTable",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::VPCEndpoint",
    "AWS::EC2::FlowLog",
    "AWS::Events::Rule",
    "AWS::IAM::Role",
    "AWS::KMS::Alias",
    "AWS::KMS::Key",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::Lambda::EventSourceMapping",
    "AWS::Lambda::LayerVersion",
    "AWS::Lambda::Permission",
    "AWS::Logs::ResourcePolicy",
    "AWS::Logs::AccountPolicy",
    "AWS::Logs::Destination",
    "AWS::Logs::SubscriptionFilter",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::Subscription",
    "AWS::SNS::TopicPolicy",
    "AWS::SQS::QueuePolicy",
    "Custom::LogwardenBootstrap",
}


def test_every_resource_type_is_classified(cfn: dict[str, Any]) -> None:
    # A new kind of store must be added to KEY_PATHS (and encrypted) before this passes.
    known = set(KEY_PATHS) | NOT_STORES | {"AWS::S3::Bucket", "AWS::Cognito::UserPool"}
    assert {r["Type"] for r in cfn["Resources"].values()} - known == set()


@pytest.mark.parametrize("resource_type", sorted(KEY_PATHS))
def test_every_store_is_encrypted_with_the_stack_key(cfn: dict[str, Any], resource_type: str) -> None:
    resources = of_type(cfn, resource_type)
    assert resources
    for name, resource in resources.items():
        value: Any = resource["Properties"]
        for step in KEY_PATHS[resource_type]:
            value = value.get(step) if isinstance(value, dict) else None
        assert value == KEY, name


def test_dead_letter_bucket_is_encrypted_private_tls_only_and_expires(cfn: dict[str, Any]) -> None:
    (bucket,) = of_type(cfn, "AWS::S3::Bucket").values()
    props = bucket["Properties"]
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY}
    assert all(props["PublicAccessBlockConfiguration"].values()) and len(props["PublicAccessBlockConfiguration"]) == 4
    assert props["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == {"Ref": "DeadLetterExpirationDays"}
    policy = cfn["Resources"]["DeadLetterBucketPolicy"]["Properties"]["PolicyDocument"]
    tls = [s for s in statements(policy) if s.get("Condition", {}).get("Bool") == {"aws:SecureTransport": "false"}]
    assert tls and tls[0]["Effect"] == "Deny" and tls[0]["Action"] == "s3:*"


def test_cognito_pool_requires_mfa_and_admin_created_users(cfn: dict[str, Any]) -> None:
    (pool,) = of_type(cfn, "AWS::Cognito::UserPool").values()
    assert pool["Properties"]["MfaConfiguration"] == "ON"
    assert pool["Properties"]["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    (identity_pool,) = of_type(cfn, "AWS::Cognito::IdentityPool").values()
    assert identity_pool["Properties"]["AllowUnauthenticatedIdentities"] is False
    groups = {g["Properties"]["GroupName"] for g in of_type(cfn, "AWS::Cognito::UserPoolGroup").values()}
    assert groups == {"support", "devops"}


# --- failure paths -------------------------------------------------------------------------------------------------


def test_every_function_has_a_failure_destination_or_dead_letter_path(cfn: dict[str, Any]) -> None:
    functions = of_type(cfn, "AWS::Lambda::Function")
    assert set(functions) == set(FUNCTIONS)
    queues = of_type(cfn, "AWS::SQS::Queue")
    destinations = {
        c["Properties"]["FunctionName"]["Ref"]: c["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]
        for c in of_type(cfn, "AWS::Lambda::EventInvokeConfig").values()
    }
    mapped = {m["Properties"]["FunctionName"]["Ref"] for m in of_type(cfn, "AWS::Lambda::EventSourceMapping").values()}
    for name, function in functions.items():
        if name in destinations:
            queue = destinations[name]["Fn::GetAtt"][0]
            assert queue in queues and queues[queue]["Properties"]["KmsMasterKeyId"] == KEY
        else:
            # Invoked synchronously by an event source mapping: bad records are set aside to the bucket.
            assert name in mapped
            role = function["Properties"]["Role"]["Fn::GetAtt"][0]
            writes = [s for n, s in identity_policies(cfn) if n == role and "s3:PutObject" in actions(s)]
            assert writes and writes[0]["Resource"] == {"Fn::Sub": "${DeadLetterBucket.Arn}/*"}
    assert set(destinations) == set(FUNCTIONS) - mapped
    # The asynchronous sources have their own dead-letter queue too.
    rules = of_type(cfn, "AWS::Events::Rule").values()
    assert len(rules) == 2
    assert all("DeadLetterConfig" in target for rule in rules for target in rule["Properties"]["Targets"])
    lambda_subscriptions = [
        s for s in of_type(cfn, "AWS::SNS::Subscription").values() if s["Properties"]["Protocol"] == "lambda"
    ]
    assert lambda_subscriptions and all("RedrivePolicy" in s["Properties"] for s in lambda_subscriptions)


def test_every_function_writes_to_a_log_group_of_its_own(cfn: dict[str, Any]) -> None:
    groups = of_type(cfn, "AWS::Logs::LogGroup")
    for name, function in of_type(cfn, "AWS::Lambda::Function").items():
        group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert group in groups, name
        assert groups[group].get("Condition") == function.get("Condition"), name


# --- subscriptions -------------------------------------------------------------------------------------------------


def test_every_subscription_has_a_scoped_permission_and_a_delivery_alarm(cfn: dict[str, Any]) -> None:
    filters = of_type(cfn, "AWS::Logs::SubscriptionFilter")
    assert len(filters) == 12  # ten slots for LogGroupNames, the broker's general and connection logs
    alarms = of_type(cfn, "AWS::CloudWatch::Alarm")
    for name, subscription in filters.items():
        condition = subscription["Condition"]
        permission_name = next(d for d in subscription["DependsOn"] if "Permission" in d)
        permission = cfn["Resources"][permission_name]
        assert permission["Condition"] == condition
        # The permission's source ARN is built from the very same log group name as the filter.
        log_group = subscription["Properties"]["LogGroupName"]
        arn_template, arn_names = permission["Properties"]["SourceArn"]["Fn::Sub"]
        if "Fn::Select" in log_group:
            assert arn_template.endswith(":log-group:${Name}:*") and arn_names["Name"] == log_group
        else:
            group_template, group_names = log_group["Fn::Sub"]
            assert arn_template.endswith(f":log-group:{group_template}:*") and arn_names == group_names
        delivery = [
            a
            for a in alarms.values()
            if a["Properties"]["MetricName"] == "DeliveryErrors" and a.get("Condition") == condition
        ]
        assert len(delivery) == 1, name
        dimensions = {d["Name"]: d["Value"] for d in delivery[0]["Properties"]["Dimensions"]}
        assert dimensions["LogGroupName"] == subscription["Properties"]["LogGroupName"]
        assert dimensions["FilterName"] == subscription["Properties"]["FilterName"]


def test_everything_about_the_broker_is_conditional(cfn: dict[str, Any]) -> None:
    mq = [n for n, r in cfn["Resources"].items() if "Mq" in n]
    assert len(mq) >= 10
    assert all(cfn["Resources"][n].get("Condition", "").startswith(("HasMq", "SubscribeMq")) for n in mq)
    mapping = cfn["Resources"]["IngestMqEventSource"]
    access = {c["Type"]: c["URI"] for c in mapping["Properties"]["SourceAccessConfigurations"]}
    assert access == {"BASIC_AUTH": {"Ref": "MqCredentialsSecretArn"}, "VIRTUAL_HOST": {"Ref": "MqVirtualHost"}}


# --- alarms --------------------------------------------------------------------------------------------------------


def _metric(alarm: dict[str, Any]) -> tuple[str, str]:
    return alarm["Properties"]["Namespace"], alarm["Properties"]["MetricName"]


SIGNALS = {
    "set-aside documents": ("logwarden", "SetAside"),
    "dead-letter bucket growth": ("AWS/S3", "PutRequests"),
    "dead letters waiting": ("AWS/S3", "NumberOfObjects"),
    "on-failure queue depth": ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
    "subscription delivery errors": ("AWS/Logs", "DeliveryErrors"),
    "MQ mapping not consuming": ("AWS/AmazonMQ", "ConsumerCount"),
    "cluster red": ("AWS/ES", "ClusterStatus.red"),
    "cluster yellow": ("AWS/ES", "ClusterStatus.yellow"),
    "free storage": ("AWS/ES", "FreeStorageSpace"),
    "JVM memory pressure": ("AWS/ES", "JVMMemoryPressure"),
    "automated snapshot failure": ("AWS/ES", "AutomatedSnapshotFailure"),
}


@pytest.mark.parametrize("signal", sorted(SIGNALS))
def test_an_alarm_watches_each_signal(cfn: dict[str, Any], signal: str) -> None:
    assert any(_metric(a) == SIGNALS[signal] for a in of_type(cfn, "AWS::CloudWatch::Alarm").values())


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_has_error_and_throttle_alarms(cfn: dict[str, Any], metric: str) -> None:
    watched = {
        a["Properties"]["Dimensions"][0]["Value"]["Ref"]
        for a in of_type(cfn, "AWS::CloudWatch::Alarm").values()
        if _metric(a) == ("AWS/Lambda", metric)
    }
    assert watched == set(FUNCTIONS)


def test_asynchronously_invoked_functions_alarm_on_dropped_events(cfn: dict[str, Any]) -> None:
    watched = {
        a["Properties"]["Dimensions"][0]["Value"]["Ref"]
        for a in of_type(cfn, "AWS::CloudWatch::Alarm").values()
        if _metric(a) == ("AWS/Lambda", "AsyncEventsDropped")
    }
    assert watched == {
        "IngestCloudWatchFunction",
        "AnomalyCheckFunction",
        "ChatNotifyFunction",
        "DrainDeadLetterFunction",
    }


def test_anomaly_check_not_running_is_an_alarm(cfn: dict[str, Any]) -> None:
    (alarm,) = (
        a
        for a in of_type(cfn, "AWS::CloudWatch::Alarm").values()
        if _metric(a) == ("AWS/Lambda", "Invocations")
        and a["Properties"]["Dimensions"][0]["Value"] == {"Ref": "AnomalyCheckFunction"}
    )
    # Missing data is the very symptom here, so it must count as breaching.
    assert alarm["Properties"]["TreatMissingData"] == "breaching"
    assert alarm["Properties"]["ComparisonOperator"] == "LessThanThreshold"


def test_every_alarm_notifies_the_alert_topic(cfn: dict[str, Any]) -> None:
    alarms = of_type(cfn, "AWS::CloudWatch::Alarm")
    assert len(alarms) >= 40
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [TOPIC], name
        assert alarm["Properties"]["OKActions"] == [TOPIC], name


def test_subscriptions_filter_by_severity_and_let_alarms_through(cfn: dict[str, Any]) -> None:
    for name in ("AlertEmailSubscription", "ChatSubscription"):
        props = cfn["Resources"][name]["Properties"]
        template, _ = props["FilterPolicy"]["Fn::Sub"]
        policy = json.loads(template.replace("${Severities}", "high"))
        # CloudWatch alarm notifications carry no attributes: "exists: false" lets them reach every subscriber.
        assert policy == {"severity": ["high", {"exists": False}]}
        assert props["FilterPolicyScope"] == "MessageAttributes"


# --- functions and configuration ---------------------------------------------------------------------------------


def test_functions_run_python312_with_tracing_and_the_layer(sam: dict[str, Any], cfn: dict[str, Any]) -> None:
    globals_ = sam["Globals"]["Function"]
    assert globals_["Runtime"] == "python3.12" and globals_["Handler"] == "app.lambda_handler"
    assert globals_["Architectures"] == [{"Ref": "Architecture"}]
    assert sam["Parameters"]["Architecture"]["Default"] == "arm64"
    for name, function in of_type(cfn, "AWS::Lambda::Function").items():
        props = function["Properties"]
        assert props["TracingConfig"] == {"Mode": "Active"}, name
        assert "ReservedConcurrentExecutions" in props, name
        # The library layer, then the compiled hot path for the function's architecture laid over it.
        # (The translation names each layer version with a content hash after its logical id.)
        library, compiled = props["Layers"]
        assert library["Ref"].startswith("LogwardenLayer"), name
        condition, arm64, x86_64 = compiled["Fn::If"]
        assert condition == "IsArm64", name
        assert arm64["Ref"].startswith("CompiledArm64Layer") and x86_64["Ref"].startswith("CompiledX8664Layer"), name
    for name, folder in FUNCTIONS.items():
        assert sam["Resources"][name]["Properties"]["CodeUri"] == f"functions/{folder}/"
    layer = sam["Resources"]["LogwardenLayer"]
    assert layer["Properties"]["ContentUri"] == "layers/logwarden/"
    assert layer["Metadata"]["BuildMethod"] == "python3.12"


def test_each_compiled_layer_exists_only_for_its_architecture(sam: dict[str, Any], cfn: dict[str, Any]) -> None:
    for name, arch, condition in (
        ("CompiledArm64Layer", "arm64", "IsArm64"),
        ("CompiledX8664Layer", "x86_64", "IsX8664"),
    ):
        layer = sam["Resources"][name]
        assert layer["Condition"] == condition
        assert cfn["Conditions"][condition] == {"Fn::Equals": [{"Ref": "Architecture"}, arch]}
        # BuildArchitecture picks the image of `sam build --use-container`: the one machine that can compile it.
        assert layer["Metadata"]["BuildMethod"] == "makefile"
        assert layer["Metadata"]["BuildArchitecture"] == arch
        assert layer["Properties"]["CompatibleArchitectures"] == [arch]
        assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
        assert (ROOT / layer["Metadata"]["ContextPath"] / "Makefile").read_text().count(f"build-{name}:") == 1
    assert set(sam["Parameters"]["Architecture"]["AllowedValues"]) == {"arm64", "x86_64"}


def test_functions_get_their_environment(cfn: dict[str, Any]) -> None:
    env = {
        name: set(f["Properties"]["Environment"]["Variables"])
        for name, f in of_type(cfn, "AWS::Lambda::Function").items()
    }
    assert all(variables >= COMMON_ENV for variables in env.values())
    assert {
        "LOGWARDEN_ALERT_TOPIC_ARN",
        "LOGWARDEN_ALERT_STATE_TABLE",
        "LOGWARDEN_RULES_PARAMETER",
        "LOGWARDEN_DASHBOARDS_URL",
    } <= env["AnomalyCheckFunction"]
    assert "LOGWARDEN_CHAT_SECRET_NAME" in env["ChatNotifyFunction"]
    # The masker's key goes by name (the secret's ARN), never as a value; e-mails, phones and IPs get pseudonyms.
    ingest = cfn["Resources"]["IngestCloudWatchFunction"]["Properties"]["Environment"]["Variables"]
    assert ingest["LOGWARDEN_MASKING_HASH_KEY_NAME"] == {"Ref": "MaskingHmacSecret"}
    assert ingest["LOGWARDEN_MASKING_HASH_KEY_SOURCE"] == "secretsmanager"
    assert {ingest[f"LOGWARDEN_MASKING_MODE_{kind}"] for kind in ("EMAIL", "PHONE", "IP")} == {"hash"}
    assert {"LOGWARDEN_ALLOW_NO_ISM", "LOGWARDEN_DASHBOARDS_ENDPOINT"} <= env["BootstrapFunction"]
    bootstrap_env = cfn["Resources"]["BootstrapFunction"]["Properties"]["Environment"]["Variables"]
    assert bootstrap_env["LOGWARDEN_ALLOW_NO_ISM"] == "false"


def test_bootstrap_gets_retention_and_rollover_from_parameters(sam: dict[str, Any]) -> None:
    props = sam["Resources"]["OpenSearchBootstrap"]["Properties"]
    assert props["retention_info"] == {"Fn::Sub": "${RetentionInfoDays}d"}
    defaults = {name: sam["Parameters"][name]["Default"] for name in sam["Parameters"]}
    assert (defaults["RetentionInfoDays"], defaults["RetentionWarnDays"], defaults["RetentionErrorDays"]) == (
        30,
        90,
        180,
    )
    assert (defaults["RolloverPrimaryShardSize"], defaults["RolloverIndexSize"]) == ("50gb", "100gb")
    assert props["debug_enabled"] == {"Fn::If": ["IsProd", "false", "true"]}


def test_outputs_name_what_operators_need(cfn: dict[str, Any]) -> None:
    outputs = cfn["Outputs"]
    assert {"DomainEndpoint", "DashboardsUrl", "AlertTopicArn", "DeadLetterBucketName", "UserPoolId"} <= set(outputs)
    assert outputs["UserPoolId"]["Condition"] == "UseCognito"


# --- samconfig.toml and docs ---------------------------------------------------------------------------------------


def test_samconfig_has_the_three_environments_and_only_known_parameters(sam: dict[str, Any]) -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    assert {"default", "dev", "prod"} <= set(config)
    for env, commands in config.items():
        if not isinstance(commands, dict):
            continue
        for command in commands.values():
            overrides = command.get("parameters", {}).get("parameter_overrides", [])
            for override in as_list(overrides):
                name = override.split("=", 1)[0]
                assert name in sam["Parameters"], f"{env}: {name}"
                assert not re.search(r"(?i)password|secret=|token", override), f"{env}: {override}"


def test_docs_list_every_environment_variable_and_checkov_skip(sam: dict[str, Any], cfn: dict[str, Any]) -> None:
    deploy = (ROOT / "docs" / "DEPLOY.md").read_text(encoding="utf-8")
    config = (ROOT / "docs" / "CONFIG.md").read_text(encoding="utf-8")
    variables = {
        v for f in of_type(cfn, "AWS::Lambda::Function").values() for v in f["Properties"]["Environment"]["Variables"]
    }
    families = ("LOGWARDEN_MASKING_MODE_",)
    assert sorted(v for v in variables if f"`{v}`" not in config and not v.startswith(families)) == []
    skips = {
        (skip["id"], name)
        for name, resource in sam["Resources"].items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    }
    assert skips
    assert sorted((i, n) for i, n in skips if not re.search(rf"{i}.*{n}|{n}.*{i}", deploy)) == []
    assert sorted(p for p in sam["Parameters"] if f"`{p}`" not in deploy) == []


# --- the Kinesis stream path, the circuit breaker and the drain ---------------------------------------------------


STREAM = {"Fn::GetAtt": ["LogStream", "Arn"]}


def test_everything_about_the_stream_is_conditional(cfn: dict[str, Any]) -> None:
    stream = [n for n in cfn["Resources"] if "Kinesis" in n or ("Stream" in n and "Log" in n)]
    assert {"LogStream", "LogsToStreamRole", "IngestKinesisFunction", "IngestKinesisEventSource"} <= set(stream)
    conditions = {cfn["Resources"][n].get("Condition") for n in stream}
    assert conditions == {"UseStream"}
    assert cfn["Conditions"]["UseStream"] == {"Fn::Equals": [{"Ref": "IngestPath"}, "stream"]}
    assert cfn["Resources"]["LogStream"]["Properties"]["StreamEncryption"] == {"EncryptionType": "KMS", "KeyId": KEY}


def test_the_stream_mapping_bisects_reports_partial_failures_and_has_an_on_failure_destination(
    cfn: dict[str, Any],
) -> None:
    props = cfn["Resources"]["IngestKinesisEventSource"]["Properties"]
    assert props["EventSourceArn"] == STREAM and props["FunctionName"] == {"Ref": "IngestKinesisFunction"}
    assert props["BisectBatchOnFunctionError"] is True
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["FailedEventsQueue", "Arn"]}
    for name in ("BatchSize", "MaximumBatchingWindowInSeconds", "MaximumRecordAgeInSeconds", "MaximumRetryAttempts"):
        assert props[name]["Ref"].startswith("Stream"), name
    # the mapping reads with the function's role: the stream, and nothing wider
    reads = [s for n, s in identity_policies(cfn) if n == "IngestKinesisRole" and "kinesis:GetRecords" in actions(s)]
    assert [s["Resource"] for s in reads] == [STREAM]


def test_subscriptions_point_at_the_function_or_the_stream_by_the_ingest_path(cfn: dict[str, Any]) -> None:
    for name, subscription in of_type(cfn, "AWS::Logs::SubscriptionFilter").items():
        props = subscription["Properties"]
        assert props["DestinationArn"] == {
            "Fn::If": ["UseStream", STREAM, {"Fn::GetAtt": ["IngestCloudWatchFunction", "Arn"]}]
        }, name
        assert props["RoleArn"] == {
            "Fn::If": ["UseStream", {"Fn::GetAtt": ["LogsToStreamRole", "Arn"]}, {"Ref": "AWS::NoValue"}]
        }, name
    trust = cfn["Resources"]["LogsToStreamRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert [t["Principal"] for t in trust] == [{"Service": "logs.amazonaws.com"}]
    writes = [s for n, s in identity_policies(cfn) if n == "LogsToStreamRole"]
    assert {a for s in writes for a in actions(s)} == {"kinesis:PutRecord", "kinesis:PutRecords", "kms:GenerateDataKey"}


def test_other_accounts_subscribe_only_through_a_destination_naming_them(cfn: dict[str, Any]) -> None:
    destination = cfn["Resources"]["LogsDestination"]
    assert destination["Condition"] == "HasSourceAccounts"
    template, names = destination["Properties"]["DestinationPolicy"]["Fn::Sub"]
    policy = json.loads(re.sub(r"\$\{[^}]+\}", "X", template))
    [statement] = policy["Statement"]
    assert statement["Action"] == "logs:PutSubscriptionFilter" and statement["Principal"] == {"AWS": ["X"]}
    assert names["Accounts"] == {"Fn::Join": ['","', {"Fn::Split": [",", {"Ref": "StreamSourceAccountIds"}]}]}


def test_the_account_policy_leaves_out_every_log_group_of_the_stack(cfn: dict[str, Any]) -> None:
    policy = cfn["Resources"]["AccountSubscription"]
    assert policy["Condition"] == "UseAccountPolicy"
    criteria = policy["Properties"]["SelectionCriteria"]["Fn::Sub"]
    excluded = set(re.findall(r'"([^"]+)"', criteria))
    own = {g["Properties"]["LogGroupName"]["Fn::Sub"] for g in of_type(cfn, "AWS::Logs::LogGroup").values()}
    assert own <= excluded, own - excluded  # its own logs sent to itself would loop


def test_each_ingest_function_has_a_circuit_breaker_alarm(cfn: dict[str, Any]) -> None:
    alarms = [
        a for a in of_type(cfn, "AWS::CloudWatch::Alarm").values() if _metric(a) == ("logwarden", "CircuitBreakerState")
    ]
    services = {a["Properties"]["Dimensions"][0]["Value"]: a.get("Condition") for a in alarms}
    functions = of_type(cfn, "AWS::Lambda::Function")
    ingest = {
        f["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]: f.get("Condition")
        for n, f in functions.items()
        if n.startswith("Ingest")
    }
    assert services == ingest
    assert all(a["Properties"]["Statistic"] == "Maximum" and a["Properties"]["Threshold"] == 1 for a in alarms)


def test_the_drain_runs_on_a_schedule_alone_and_only_touches_the_dead_letter_bucket(cfn: dict[str, Any]) -> None:
    function = cfn["Resources"]["DrainDeadLetterFunction"]["Properties"]
    assert function["ReservedConcurrentExecutions"] == 1
    assert "LOGWARDEN_DRAIN_MAX_DOCUMENTS" in function["Environment"]["Variables"]
    [target] = cfn["Resources"]["DrainScheduleRule"]["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["DrainDeadLetterFunction", "Arn"]}
    s3 = [
        s
        for n, s in identity_policies(cfn)
        if n == "DrainDeadLetterRole" and any(a.startswith("s3:") for a in actions(s))
    ]
    assert {json.dumps(s["Resource"]) for s in s3} == {
        json.dumps({"Fn::GetAtt": ["DeadLetterBucket", "Arn"]}),
        json.dumps({"Fn::Sub": "${DeadLetterBucket.Arn}/*"}),
    }
    backlog = [
        a
        for a in of_type(cfn, "AWS::CloudWatch::Alarm").values()
        if _metric(a) == ("logwarden", "DeadLetterBacklogRemaining")
    ]
    assert len(backlog) == 1


def test_ingest_functions_have_reserved_concurrency_from_parameters(cfn: dict[str, Any]) -> None:
    functions = of_type(cfn, "AWS::Lambda::Function")
    for name in ("IngestCloudWatchFunction", "IngestMqFunction", "IngestKinesisFunction"):
        assert functions[name]["Properties"]["ReservedConcurrentExecutions"]["Ref"].endswith("ReservedConcurrency")


def test_the_domain_is_private_by_default_in_a_network_the_stack_creates(
    sam: dict[str, Any], cfn: dict[str, Any]
) -> None:
    assert sam["Parameters"]["NetworkMode"]["Default"] == "private"
    assert cfn["Conditions"]["CreateVpc"] == {
        "Fn::And": [{"Fn::Not": [{"Condition": "GivenVpc"}]}, {"Fn::Equals": [{"Ref": "NetworkMode"}, "private"]}]
    }
    created = {name for name, r in cfn["Resources"].items() if r.get("Condition") == "CreateVpc"}
    assert {"Vpc", "PrivateSubnet1", "PrivateSubnet2", "PrivateSubnet3", "VpcFlowLog"} <= created
    endpoints = {
        r["Properties"]["ServiceName"]["Fn::Sub"].rsplit(".", 1)[1]: r["Properties"]["VpcEndpointType"]
        for r in of_type(cfn, "AWS::EC2::VPCEndpoint").values()
    }
    assert endpoints == {
        "s3": "Gateway",
        "dynamodb": "Gateway",
        "secretsmanager": "Interface",
        "sns": "Interface",
        "ssm": "Interface",
        "xray": "Interface",
    }
    # no route out: the only route table has no routes but the endpoints' (no internet or NAT gateway exists)
    assert not of_type(cfn, "AWS::EC2::Route", "AWS::EC2::InternetGateway", "AWS::EC2::NatGateway")
    assert cfn["Resources"]["OpenSearchDomain"]["Properties"]["VPCOptions"]["Fn::If"][0] == "InVpc"


def test_every_function_but_chat_runs_in_the_network(cfn: dict[str, Any]) -> None:
    for name, function in of_type(cfn, "AWS::Lambda::Function").items():
        placement = function["Properties"].get("VpcConfig")
        if name == "ChatNotifyFunction":
            assert placement is None  # it posts to the chat services on the internet and never calls the domain
        else:
            assert placement["Fn::If"][0] == "InVpc", name
            subnets = placement["Fn::If"][1]["SubnetIds"]["Fn::If"]
            assert subnets[0] == "GivenVpc" and len(subnets[2]) == 3, name


def test_a_public_endpoint_admits_people_only_from_the_given_ranges(sam: dict[str, Any], cfn: dict[str, Any]) -> None:
    assert any(
        a["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "PublicAccessCidrs"}, ""]}]}
        for a in sam["Rules"]["PublicNeedsAddressRanges"]["Assertions"]
    )
    policy = cfn["Resources"]["OpenSearchDomain"]["Properties"]["AccessPolicies"]
    people = {"DashboardsUsersFromCognito", "SupportRolesGiven", "DevopsRolesGiven", "DashboardsSamlSignIn"}
    found = [s for s in statements(policy) if s.get("Sid") in people]
    assert {s["Sid"] for s in found} == people
    ranges = {"IpAddress": {"aws:SourceIp": {"Fn::Split": [",", {"Ref": "PublicAccessCidrs"}]}}}
    assert all(s["Condition"] == {"Fn::If": ["PublicEndpoint", ranges, {"Ref": "AWS::NoValue"}]} for s in found)
