"""One bootstrap request end to end: parameters + connection -> apply (Create/Update) or teardown (Delete)."""

from __future__ import annotations

from logwarden.bootstrap.apply import BootstrapResult, bootstrap, retained, teardown
from logwarden.bootstrap.config import BootstrapConfig
from logwarden.bootstrap.desired import DesiredState
from logwarden.bootstrap.params import BootstrapParams


def run_request(config: BootstrapConfig, request_type: str, params: BootstrapParams) -> BootstrapResult:
    desired = DesiredState.build(params)
    if request_type == "Delete" and params.on_delete == "retain":
        return retained()  # nothing to do, so nothing to connect to
    from logwarden.bootstrap.connect import admins  # opensearch-py and boto3 only when there is work to do

    cluster, dashboards = admins(config)
    if request_type == "Delete":
        return teardown(desired, cluster, params.on_delete, dashboards)
    return bootstrap(desired, cluster, dashboards)
