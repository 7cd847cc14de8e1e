"""The pure parts of the local broker tooling: settings, rendered config, the node's environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from logwarden.errors import ConfigurationError
from logwarden_tools.local import rabbitmq_broker as local


def test_settings_defaults_live_under_the_cache_home() -> None:
    settings = local.LocalRabbitMQSettings.from_env({"HOME": "/home/dev"})

    assert settings.base_dir == Path("/home/dev/.cache/logwarden/rabbitmq")
    assert settings.port == 5672
    assert settings.dist_port == 25672
    assert settings.log_file == settings.base_dir / "log" / "logwarden@localhost.log"


def test_settings_from_environment() -> None:
    settings = local.LocalRabbitMQSettings.from_env(
        {"HOME": "/h", "LOGWARDEN_HOME": "/srv/lw", "LOGWARDEN_RABBITMQ_PORT": "5673"}
    )

    assert settings.base_dir == Path("/srv/lw/rabbitmq")
    assert settings.port == 5673
    assert settings.url == "amqp://guest:guest@127.0.0.1:5673/%2F"


def test_bad_settings_name_every_problem() -> None:
    with pytest.raises(ConfigurationError) as raised:
        local.LocalRabbitMQSettings.from_env(
            {"HOME": "/h", "LOGWARDEN_RABBITMQ_PORT": "60000", "LOGWARDEN_RABBITMQ_START_TIMEOUT": "soon"}
        )

    assert len(raised.value.problems) == 2
    assert "LOGWARDEN_RABBITMQ_PORT" in raised.value.problems[0]
    assert "LOGWARDEN_RABBITMQ_START_TIMEOUT" in raised.value.problems[1]


def test_config_listens_on_loopback_and_publishes_the_log_exchange() -> None:
    settings = local.LocalRabbitMQSettings(home=Path("/x"), port=5999)

    lines = local.render_config(settings).splitlines()

    assert "listeners.tcp.default = 127.0.0.1:5999" in lines
    assert "log.exchange = true" in lines
    assert "log.exchange.level = info" in lines


def test_node_environment_is_isolated_from_a_system_broker() -> None:
    settings = local.LocalRabbitMQSettings(home=Path("/x"), port=5999)

    env = local.server_environment(
        settings, {"PATH": "/usr/bin", "RABBITMQ_NODENAME": "rabbit@host", "ERL_EPMD_ADDRESS": "::"}
    )

    assert env["PATH"] == "/usr/bin"
    assert env["HOME"] == "/x/rabbitmq"  # its own Erlang cookie
    assert env["RABBITMQ_NODENAME"] == "logwarden-5999@localhost"
    assert env["RABBITMQ_NODE_IP_ADDRESS"] == "127.0.0.1"
    assert env["RABBITMQ_DIST_PORT"] == "25999"
    assert env["ERL_EPMD_ADDRESS"] == "127.0.0.1"
    assert "{127,0,0,1}" in env["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"]
    assert env["RABBITMQ_MNESIA_BASE"] == "/x/rabbitmq/mnesia"
    assert env["RABBITMQ_CONF_ENV_FILE"] == "/x/rabbitmq/rabbitmq-env.conf"


def test_tail_lines_of_a_missing_file_is_empty(tmp_path: Path) -> None:
    log = tmp_path / "broker.log"
    assert local.tail_lines(log, 5) == []
    log.write_text("a\nb\nc\n")
    assert local.tail_lines(log, 2) == ["b", "c"]


def test_brokers_on_two_ports_get_two_node_names() -> None:
    # epmd refuses a second node of the same name: a demo beside a test run would not start otherwise
    default = local.LocalRabbitMQSettings.from_env({"HOME": "/home/u"})
    other = local.LocalRabbitMQSettings.from_env({"HOME": "/home/u", "LOGWARDEN_RABBITMQ_PORT": "5683"})

    assert default.node_name == "logwarden@localhost"
    assert other.node_name == "logwarden-5683@localhost"
    assert local.server_environment(other, {})["RABBITMQ_NODENAME"] == "logwarden-5683@localhost"
