"""``logwarden rabbitmq up|down|status|logs|env``: the local RabbitMQ broker on 127.0.0.1."""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys

from logwarden.errors import ConfigurationError
from logwarden_tools.local import rabbitmq_broker as local


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="logwarden rabbitmq",
        description="Install (Debian's rabbitmq-server), start, stop and inspect a real RabbitMQ broker on 127.0.0.1 "
        "with its log exchange bound to a broker-logs queue. Settings come from LOGWARDEN_HOME, "
        "LOGWARDEN_RABBITMQ_PORT and LOGWARDEN_RABBITMQ_START_TIMEOUT; see docs/MQ.md.",
    )
    parser.add_argument("--port", type=int, help="AMQP port (default 5672; distribution uses port + 20000)")
    commands = parser.add_subparsers(dest="action", required=True)
    up = commands.add_parser("up", help="install if needed, start if not running, wait until ready, declare queues")
    up.add_argument("--timeout", type=float, help="seconds to wait for the broker (default 60)")
    commands.add_parser("down", help="stop the broker (SIGTERM, then SIGKILL after 60 s)")
    commands.add_parser("status", help="running? reachable? messages waiting in the queues")
    logs = commands.add_parser("logs", help="print the end of the broker's log")
    logs.add_argument("-n", "--lines", type=int, default=50)
    commands.add_parser("env", help='print shell exports: eval "$(logwarden rabbitmq env)"')
    return parser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = local.LocalRabbitMQSettings.from_env()
    except ConfigurationError as error:
        print(f"logwarden rabbitmq: {error}", file=sys.stderr)
        return 2
    if args.port is not None:
        settings = dataclasses.replace(settings, port=args.port)
    try:
        if args.action == "up":
            if args.timeout is not None:
                settings = dataclasses.replace(settings, start_timeout=args.timeout)
            return _up(settings)
        if args.action == "down":
            pid = local.down(settings)
            print(f"stopped RabbitMQ (pid {pid})" if pid else "RabbitMQ was not running")
            return 0
        if args.action == "status":
            return _status(settings)
        if args.action == "logs":
            for line in local.tail_lines(settings.log_file, args.lines):
                print(line)
            return 0
        for name, value in settings.env_exports().items():
            print(f"export {name}={shlex.quote(value)}")
        return 0
    except local.LocalRabbitMQError as error:
        print(f"logwarden rabbitmq {args.action}: {error}", file=sys.stderr)
        return 1


def _up(settings: local.LocalRabbitMQSettings) -> int:
    result = local.up(settings)
    if result.installed:
        print(f"installed Debian package {local.DEBIAN_PACKAGE}")
    verb = "started" if result.started else "already running"
    print(
        f"RabbitMQ {verb} at amqp://127.0.0.1:{settings.port} (node {settings.node_name}, pid {result.pid}, "
        f"{result.seconds:.1f} s)"
    )
    print(f"queues    {settings.logs_queue} (bound to {local.LOG_EXCHANGE}, '#'), {settings.service_queue}")
    print(f"log       {settings.log_file}")
    return 0


def _status(settings: local.LocalRabbitMQSettings) -> int:
    state = local.status(settings)
    if not state.running:
        print(f"not running ({settings.base_dir})")
        return 3
    print(f"running   pid {state.pid}, node {settings.node_name}")
    print(f"amqp      127.0.0.1:{settings.port} ({'reachable' if state.reachable else 'not answering'})")
    for queue, count in state.queues.items():
        print(f"queue     {queue}: {count} messages")
    print(f"log       {settings.log_file}")
    return 0 if state.reachable else 1
