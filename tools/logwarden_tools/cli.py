"""The ``logwarden`` command. Each subcommand lives in ``logwarden_tools.commands.<name>`` and is imported only
when it runs, so ``logwarden mask`` does not pay for boto3 or opensearch-py."""

from __future__ import annotations

import importlib
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "opensearch": (
        "logwarden_tools.commands.opensearch",
        "install, start, stop and inspect the local OpenSearch engine",
    ),
    "ingest": (
        "logwarden_tools.commands.ingest",
        "run Lambda events through the ingest pipeline (--dry-run prints bulk NDJSON)",
    ),
    "mask": (
        "logwarden_tools.commands.mask",
        "mask personal data in log lines (stdin or FILE); --explain tells what fired",
    ),
    "rabbitmq": ("logwarden_tools.commands.rabbitmq", "install, start, stop and inspect the local RabbitMQ broker"),
    "replay": ("logwarden_tools.commands.replay", "re-drive the dead-letter store into OpenSearch, idempotently"),
    "bootstrap": (
        "logwarden_tools.commands.bootstrap",
        "create or update index templates, ISM policies, roles, dashboards",
    ),
    "demo": ("logwarden_tools.commands.demo", "run the whole pipeline locally on generated order-system traffic"),
    "backtest": ("logwarden_tools.commands.backtest", "replay a per-minute count table through the anomaly rules"),
}


def _usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = ["usage: logwarden <command> [options]", "", "commands:"]
    lines += [f"  {name.ljust(width)}  {summary}" for name, (_, summary) in sorted(COMMANDS.items())]
    lines += ["", "Run `logwarden <command> --help` for the options of one command."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"logwarden: unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[name][0])
    result: int = module.main(rest)
    return result


if __name__ == "__main__":
    sys.exit(main())
