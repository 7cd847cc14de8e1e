"""``logwarden opensearch up|down|status|logs|env|purge``: the local OpenSearch engine on 127.0.0.1."""

from __future__ import annotations

import argparse
import sys
import time

from logwarden.errors import ConfigurationError
from logwarden_tools.local import opensearch_engine as local


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="logwarden opensearch",
        description="Install (from Maven), start, stop and inspect a real OpenSearch on 127.0.0.1. "
        "Settings come from LOGWARDEN_HOME, LOGWARDEN_OPENSEARCH_{PROFILE,PORT,TRANSPORT_PORT,HEAP,USER,"
        "START_TIMEOUT}, LOGWARDEN_JAVA_HOME and LOGWARDEN_MAVEN_REPOSITORY; see docs/LOCAL_OPENSEARCH.md.",
    )
    parser.add_argument(
        "--plain", action="store_true", help="the plain-HTTP profile without the security plugin (faster, no auth)"
    )
    commands = parser.add_subparsers(dest="action", required=True)
    up = commands.add_parser("up", help="install if needed, start if not running, wait until healthy")
    up.add_argument("--timeout", type=float, help="seconds to wait for yellow/green health (default 180)")
    commands.add_parser("down", help="stop the engine (SIGTERM, then SIGKILL after 60 s)")
    commands.add_parser("status", help="running? health, version, URL")
    logs = commands.add_parser("logs", help="print the end of the engine's log")
    logs.add_argument("-n", "--lines", type=int, default=50)
    logs.add_argument("-f", "--follow", action="store_true", help="keep printing new lines until Ctrl-C")
    commands.add_parser("env", help='print shell exports: eval "$(logwarden opensearch env)"')
    commands.add_parser("purge", help="stop and delete the install, data and password (keeps the Maven cache)")
    return parser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = local.LocalOpenSearchSettings.from_env()
    except ConfigurationError as error:
        print(f"logwarden opensearch: {error}", file=sys.stderr)
        return 2
    if args.plain:
        settings = _replace(settings, profile="plain")
    try:
        return _ACTIONS[args.action](settings, args)
    except local.LocalOpenSearchError as error:
        print(f"logwarden opensearch {args.action}: {error}", file=sys.stderr)
        return 1


def _replace(settings: local.LocalOpenSearchSettings, **changes: object) -> local.LocalOpenSearchSettings:
    from dataclasses import replace

    return replace(settings, **changes)  # type: ignore[arg-type]


def _up(settings: local.LocalOpenSearchSettings, args: argparse.Namespace) -> int:
    if args.timeout is not None:
        settings = _replace(settings, start_timeout=args.timeout)
    result = local.up(settings)
    if result.installed:
        print(f"installed OpenSearch {local.VERSION} in {settings.install_dir} ({result.install_seconds:.1f} s)")
    verb = "started" if result.started else "already running"
    print(f"OpenSearch {verb} at {result.connection.url} (pid {result.pid}, {result.start_seconds:.1f} s)")
    if settings.secure:
        print(f"user {local.ADMIN_USER}, password in {settings.password_file}, CA {settings.ca_certs}")
    return 0


def _down(settings: local.LocalOpenSearchSettings, args: argparse.Namespace) -> int:
    pid = local.down(settings)
    print(f"stopped OpenSearch (pid {pid})" if pid else "OpenSearch was not running")
    return 0


def _status(settings: local.LocalOpenSearchSettings, args: argparse.Namespace) -> int:
    state = local.status(settings)
    if not state.running or state.pid is None:
        print(f"not running ({'installed' if state.installed else 'not installed'}: {settings.install_dir})")
        return 3
    rss = local.rss_bytes(state.pid)
    print(f"running   pid {state.pid}, RSS {rss // 2**20 if rss else '?'} MiB")
    print(f"url       {state.url}")
    print(f"health    {state.health or 'no answer'}")
    print(f"version   {state.version or '?'}")
    print(f"profile   {settings.profile}")
    print(f"log       {settings.log_file}")
    return 0 if state.health in ("green", "yellow") else 1


def _logs(settings: local.LocalOpenSearchSettings, args: argparse.Namespace) -> int:
    log = settings.log_file
    for line in local.tail_lines(log, args.lines):
        print(line)
    if not args.follow:
        return 0
    try:
        with log.open("rb") as handle:
            handle.seek(0, 2)
            while True:
                chunk = handle.read()
                if chunk:
                    sys.stdout.write(chunk.decode("utf-8", errors="replace"))
                    sys.stdout.flush()
                else:
                    time.sleep(0.5)
    except KeyboardInterrupt:
        return 0


def _env(settings: local.LocalOpenSearchSettings, args: argparse.Namespace) -> int:
    sys.stdout.write(local.shell_exports(local.local_connection(settings).env_exports()))
    return 0


def _purge(settings: local.LocalOpenSearchSettings, args: argparse.Namespace) -> int:
    for path in local.purge(settings):
        print(f"removed {path}")
    return 0


_ACTIONS = {"up": _up, "down": _down, "status": _status, "logs": _logs, "env": _env, "purge": _purge}
