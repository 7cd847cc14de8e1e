"""checkov checks for ``AWS::OpenSearchService::Domain``.

checkov's own encryption, node-to-node, HTTPS and TLS checks (CKV_AWS_5, 6, 83, 228) only look at the old
``AWS::Elasticsearch::Domain`` type, so a domain of the current type passes them unchecked. These checks close
that gap. Run with ``checkov --external-checks-dir checks/checkov`` (scripts/check-template.sh does).

A value is accepted only when it is literally right in the template: an ``Fn::If`` or a ``Ref`` that might
switch a protection off fails the check, because a review must be able to read the guarantee off the page.
"""

from __future__ import annotations

from typing import Any

from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

DOMAIN = ("AWS::OpenSearchService::Domain",)
# TLS 1.2 or later; the PFS policy also drops the cipher suites without forward secrecy.
TLS12_POLICIES = frozenset({"Policy-Min-TLS-1-2-2019-07", "Policy-Min-TLS-1-2-PFS-2023-10"})
AWS_MANAGED_KEY_NAMES = frozenset({"alias/aws/es", "alias/aws/opensearch"})


def _section(conf: dict[str, Any], name: str) -> dict[str, Any]:
    value = conf.get("Properties", {}).get(name)
    return value if isinstance(value, dict) else {}


def _true(value: Any) -> bool:
    """checkov hands booleans over as bools or as the strings CloudFormation accepts."""
    if isinstance(value, list) and len(value) == 1:  # checkov sometimes wraps scalars in a list
        value = value[0]
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _false(value: Any) -> bool:
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value is False or (isinstance(value, str) and value.lower() == "false")


class _DomainCheck(BaseResourceCheck):  # type: ignore[misc]  # checkov ships no type hints
    def __init__(self, check_id: str, name: str, category: CheckCategories) -> None:
        super().__init__(name=name, id=check_id, categories=(category,), supported_resources=DOMAIN)


class OpenSearchEncryptionAtRestWithCmk(_DomainCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_LW_1",
            "Ensure OpenSearch Service domain encrypts data at rest with a customer-managed KMS key",
            CheckCategories.ENCRYPTION,
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        options = _section(conf, "EncryptionAtRestOptions")
        key = options.get("KmsKeyId")
        if not _true(options.get("Enabled")) or key in (None, "", [""]):
            return CheckResult.FAILED
        if isinstance(key, str) and (key in AWS_MANAGED_KEY_NAMES or key.endswith(tuple(AWS_MANAGED_KEY_NAMES))):
            return CheckResult.FAILED
        return CheckResult.PASSED


class OpenSearchNodeToNodeEncryption(_DomainCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_LW_2", "Ensure OpenSearch Service domain encrypts node-to-node traffic", CheckCategories.ENCRYPTION
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        enabled = _section(conf, "NodeToNodeEncryptionOptions").get("Enabled")
        return CheckResult.PASSED if _true(enabled) else CheckResult.FAILED


class OpenSearchEnforceHttps(_DomainCheck):
    def __init__(self) -> None:
        super().__init__("CKV_LW_3", "Ensure OpenSearch Service domain enforces HTTPS", CheckCategories.ENCRYPTION)

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        enforced = _section(conf, "DomainEndpointOptions").get("EnforceHTTPS")
        return CheckResult.PASSED if _true(enforced) else CheckResult.FAILED


class OpenSearchTls12Policy(_DomainCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_LW_4", "Ensure OpenSearch Service domain requires TLS 1.2 or later", CheckCategories.ENCRYPTION
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        # Without the property the service default applies, which is the TLS 1.0 policy.
        policy = _section(conf, "DomainEndpointOptions").get("TLSSecurityPolicy")
        if isinstance(policy, list) and len(policy) == 1:
            policy = policy[0]
        return CheckResult.PASSED if policy in TLS12_POLICIES else CheckResult.FAILED


class OpenSearchFineGrainedAccessControl(_DomainCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_LW_5",
            "Ensure OpenSearch Service domain has fine-grained access control enabled",
            CheckCategories.IAM,
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        options = _section(conf, "AdvancedSecurityOptions")
        return CheckResult.PASSED if _true(options.get("Enabled")) else CheckResult.FAILED


class OpenSearchIamMasterUserWithoutPasswords(_DomainCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_LW_6",
            "Ensure OpenSearch Service fine-grained access control uses an IAM master user, "
            "no internal user database and no anonymous access",
            CheckCategories.IAM,
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        options = _section(conf, "AdvancedSecurityOptions")
        master = options.get("MasterUserOptions")
        master = master if isinstance(master, dict) else {}
        if "MasterUserName" in master or "MasterUserPassword" in master or not master.get("MasterUserARN"):
            return CheckResult.FAILED
        if not _false(options.get("InternalUserDatabaseEnabled")):
            return CheckResult.FAILED
        if _true(options.get("AnonymousAuthEnabled")):
            return CheckResult.FAILED
        return CheckResult.PASSED


checks = (
    OpenSearchEncryptionAtRestWithCmk(),
    OpenSearchNodeToNodeEncryption(),
    OpenSearchEnforceHttps(),
    OpenSearchTls12Policy(),
    OpenSearchFineGrainedAccessControl(),
    OpenSearchIamMasterUserWithoutPasswords(),
)
