"""Names vulture reports as unused that are used where it cannot see (`scripts/check-dead-code.sh`).

Each line names one attribute and says who reads it; a name that is really dead is deleted, never added here.
"""

# ruff: noqa: B018, F821
_.logical_resource_id  # CloudFormation request field of the event Protocol (bootstrap/custom_resource.py)
_.failed_at  # dead-letter entry field, written into every entry's JSON (dataclasses.asdict)
_.devops_backend_roles  # BootstrapParams role mappings, read as getattr(params, f"{kind}_backend_roles")
_.ingest_backend_roles
_.replay_backend_roles
_.anomaly_backend_roles
_.support_users  # BootstrapParams role users, read as getattr(params, f"{kind}_users")
_.devops_users
_.ingest_users
_.replay_users
_.anomaly_users
_.do_POST  # http.server.BaseHTTPRequestHandler hooks of the demo's chat stand-in
_.log_message
_.memory_limit_in_mb  # the Lambda context attributes handlers and Powertools read from the demo's context
_.aws_request_id
_.invoked_function_arn
