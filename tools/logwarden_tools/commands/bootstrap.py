"""``logwarden bootstrap``: the deploy-time bootstrap from a terminal, or ``--print`` to review what it would send."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from logwarden.bootstrap import dashboards
from logwarden.bootstrap.config import BootstrapConfig
from logwarden.bootstrap.desired import DesiredState
from logwarden.bootstrap.params import BootstrapParams
from logwarden.errors import ConfigurationError, LogwardenError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="logwarden bootstrap",
        description="Create or update index templates, ISM policies, security roles and Dashboards objects; "
        "only what differs is written. Connection settings not given here come from the usual variables "
        "(OPENSEARCH_URL, OPENSEARCH_USERNAME, OPENSEARCH_PASSWORD, OPENSEARCH_CA_CERTS).",
    )
    parser.add_argument(
        "--endpoint", help="OpenSearch URL (default: LOGWARDEN_OPENSEARCH_ENDPOINT, else the local engine)"
    )
    parser.add_argument(
        "--dashboards", default=None, help="OpenSearch Dashboards URL; saved objects are imported there"
    )
    parser.add_argument("--auth", choices=("sigv4", "basic", "none"), help="how to sign requests")
    parser.add_argument("--username", help="basic-auth user")
    parser.add_argument("--ca-certs", help="CA bundle that signs the cluster's certificate")
    parser.add_argument("--print", dest="print_dir", metavar="DIR", help="write every document as JSON under DIR")
    parser.add_argument("--allow-no-ism", action="store_true", help="succeed on a cluster without the ISM plugin")
    parser.add_argument("--delete", action="store_true", help="run the delete path (what on_delete says)")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="a bootstrap parameter")
    return parser


def _params(pairs: list[str]) -> BootstrapParams:
    properties: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ConfigurationError([f"--param {pair!r}: expected KEY=VALUE"])
        properties[key.strip()] = value
    return BootstrapParams.from_properties(properties)


def write_documents(desired: DesiredState, directory: Path) -> list[Path]:
    written = []
    for relative, body in desired.documents().items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(body, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    ndjson = directory / "saved_objects.ndjson"
    ndjson.write_text(dashboards.to_ndjson(desired.saved_objects), encoding="utf-8")
    written.append(ndjson)
    return written


def _validate_policies(desired: DesiredState) -> list[str]:
    try:
        from logwarden_tools.ism_validation import policy_problems
    except ImportError:  # pragma: no cover - jsonschema is a development dependency
        return []
    try:
        return [f"{pid}: {p}" for pid, body in desired.ism_policies.items() for p in policy_problems(body)]
    except ImportError:  # pragma: no cover
        return []


def _config(args: argparse.Namespace) -> BootstrapConfig:
    """Command-line options over the usual variables; with no endpoint anywhere, the local engine."""
    import os

    env = dict(os.environ)
    if args.endpoint:
        env["LOGWARDEN_OPENSEARCH_ENDPOINT"] = args.endpoint
    if args.dashboards is not None:
        env["LOGWARDEN_DASHBOARDS_ENDPOINT"] = args.dashboards
    if args.auth:
        env["LOGWARDEN_OPENSEARCH_AUTH"] = args.auth
    if args.username:
        env["OPENSEARCH_USERNAME"] = args.username
    if args.ca_certs:
        env["OPENSEARCH_CA_CERTS"] = args.ca_certs
    if not (env.get("LOGWARDEN_OPENSEARCH_ENDPOINT") or env.get("OPENSEARCH_URL")):
        from logwarden_tools.local.opensearch_engine import local_connection

        env.update(local_connection().env_exports())
    if args.allow_no_ism:
        env["LOGWARDEN_ALLOW_NO_ISM"] = "true"
    return BootstrapConfig.from_env(env)


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        params = _params(args.param)
        desired = DesiredState.build(params)
        if args.print_dir:
            written = write_documents(desired, Path(args.print_dir))
            print(f"wrote {len(written)} documents under {args.print_dir}")
            problems = _validate_policies(desired)
            if problems:
                print("ISM policies would be refused:\n  " + "\n  ".join(problems), file=sys.stderr)
                return 1
            if not args.endpoint:
                return 0
        config = _config(args)
        from logwarden.bootstrap.run import run_request

        result = run_request(config, "Delete" if args.delete else "Create", params)
    except ConfigurationError as error:
        print(f"logwarden bootstrap: {error}", file=sys.stderr)
        return 2
    except LogwardenError as error:
        print(f"logwarden bootstrap: failed: {error}", file=sys.stderr)
        return 3
    print(result.summary())
    if not result.ok(config.allow_no_ism):
        print("logwarden bootstrap: ISM is absent; pass --allow-no-ism to accept that", file=sys.stderr)
        return 1
    return 0
