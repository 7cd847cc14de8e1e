"""``logwarden demo``: the whole pipeline locally on generated order-system traffic (see docs/DEMO.md)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from logwarden.alerting.publish import PublishError
from logwarden.errors import ConfigurationError
from logwarden_tools.demo.alerts import ALERT_TOPIC_ENV
from logwarden_tools.demo.runner import Demo, DemoOptions, render_summary


def main(argv: list[str]) -> int:
    defaults = DemoOptions()
    parser = argparse.ArgumentParser(prog="logwarden demo", description=__doc__)
    parser.add_argument("--minutes", type=int, default=defaults.live_minutes, help="live window, simulated minutes")
    parser.add_argument("--history-days", type=int, default=defaults.history_days, help="backfilled days")
    parser.add_argument("--rate", type=float, default=defaults.orders_per_minute, help="orders a minute at peak")
    parser.add_argument(
        "--flood-rate", type=float, default=defaults.flood_per_second, help="orders a second in the flood"
    )
    parser.add_argument("--no-incidents", action="store_true", help="normal traffic only")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--prefix", default=defaults.prefix, help="index prefix of the demo's data streams")
    parser.add_argument("--no-rabbitmq", action="store_true", help="send everything through CloudWatch")
    parser.add_argument("--quiet", action="store_true", help="no alert texts, only the summary")
    parser.add_argument("--json", type=Path, help="also write the summary as JSON to this file")
    parser.add_argument(
        "--alert-topic-arn",
        default=os.environ.get(ALERT_TOPIC_ENV) or None,
        metavar="ARN",
        help=f"also publish the alerts to this real SNS topic, with your AWS credentials (default: ${ALERT_TOPIC_ENV})",
    )
    args = parser.parse_args(argv)
    options = DemoOptions(
        live_minutes=args.minutes,
        history_days=args.history_days,
        seed=args.seed,
        orders_per_minute=args.rate,
        flood_per_second=args.flood_rate,
        incidents=not args.no_incidents,
        prefix=args.prefix,
        use_rabbitmq=not args.no_rabbitmq,
        show_messages=not args.quiet,
        alert_topic_arn=args.alert_topic_arn,
    )
    try:
        summary = Demo(options, sys.stdout).run()
    except ConfigurationError as exc:
        sys.stderr.write(f"logwarden demo: {'; '.join(exc.problems)}\n")
        return 2
    except PublishError as exc:  # the real topic refused (permissions, wrong account, expired credentials)
        target = args.alert_topic_arn or "the local topic"
        sys.stderr.write(f"logwarden demo: {exc} to {target}: {exc.__cause__}\n")
        return 1
    sys.stdout.write(render_summary(summary, options.prefix))
    if args.json:
        args.json.write_text(json.dumps(summary.as_dict(), indent=2) + "\n")
    ok = summary.conserved and not summary.personal_values_found
    return 0 if ok else 1
