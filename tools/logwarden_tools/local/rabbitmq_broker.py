"""A real RabbitMQ broker on 127.0.0.1 for tests, demos and benchmarks (Debian's ``rabbitmq-server``).

The node runs as its own Erlang node (``logwarden@localhost``, ``logwarden-<port>@localhost`` on another port) with
its own config, database, logs and cookie under ``<LOGWARDEN_HOME>/rabbitmq`` (default
``~/.cache/logwarden/rabbitmq``), so it neither uses nor disturbs a broker the package may have started as a system
service; a clash on the AMQP port is reported with what to do. Every listener is on the loopback interface: AMQP,
Erlang distribution (``AMQP port + 20000``) and -- if this node had to start it -- epmd. The broker publishes its
own log to the ``amq.rabbitmq.log`` topic exchange (routing key = level); ``up`` binds a ``broker-logs`` queue to
it (``#``) and declares a ``service-logs`` queue for the services' log records, which is what Amazon MQ users wire
to the Lambda event source.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from logwarden.errors import ConfigurationError, LogwardenError

if TYPE_CHECKING:
    import pika

DEBIAN_PACKAGE = "rabbitmq-server"
SERVER_SCRIPT = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
CTL_SCRIPT = Path("/usr/lib/rabbitmq/bin/rabbitmqctl")
EPMD_CANDIDATES = ("epmd", "/usr/lib/erlang/bin/epmd")
LOG_EXCHANGE = "amq.rabbitmq.log"
DEFAULT_VHOST = "/"
DIST_PORT_OFFSET = 20000  # RabbitMQ's own default: distribution port = AMQP port + 20000


class LocalRabbitMQError(LogwardenError):
    """The local broker could not be installed, started, reached or stopped; the message says why."""


@dataclass(frozen=True)
class LocalRabbitMQSettings:
    """How the local broker runs. ``from_env`` is the only place that reads the environment."""

    home: Path
    port: int = 5672
    user: str = "guest"  # RabbitMQ's default user; it may only log in over loopback, which is all we use
    password: str = "guest"  # noqa: S105 -- the broker's well-known default, valid on loopback only
    logs_queue: str = "broker-logs"
    service_queue: str = "service-logs"
    start_timeout: float = 60.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LocalRabbitMQSettings:
        env = os.environ if environ is None else environ
        problems: list[str] = []

        def integer(name: str, default: int, low: int, high: int) -> int:
            raw = env.get(name, "").strip()
            if not raw:
                return default
            if not raw.isdigit() or not low <= int(raw) <= high:
                problems.append(f"{name} must be an integer in [{low}, {high}], got {raw!r}")
                return default
            return int(raw)

        user_home = Path(env.get("HOME") or Path.home())
        home = Path(env["LOGWARDEN_HOME"]) if env.get("LOGWARDEN_HOME") else user_home / ".cache" / "logwarden"
        settings = cls(
            home=home,
            port=integer("LOGWARDEN_RABBITMQ_PORT", 5672, 1024, 65535 - DIST_PORT_OFFSET),
            start_timeout=float(integer("LOGWARDEN_RABBITMQ_START_TIMEOUT", 60, 5, 3600)),
        )
        if problems:
            raise ConfigurationError(problems)
        return settings

    @property
    def node_name(self) -> str:
        """One Erlang node name per AMQP port: epmd refuses a second node of the same name, so brokers on two
        ports (two checkouts, a test beside a demo) can only run side by side under different names."""
        return "logwarden@localhost" if self.port == 5672 else f"logwarden-{self.port}@localhost"

    @property
    def base_dir(self) -> Path:
        return self.home / "rabbitmq"

    @property
    def mnesia_base(self) -> Path:
        return self.base_dir / "mnesia"

    @property
    def log_base(self) -> Path:
        return self.base_dir / "log"

    @property
    def log_file(self) -> Path:
        return self.log_base / f"{self.node_name}.log"

    @property
    def console_file(self) -> Path:
        """stdout/stderr of the launcher: boot failures before logging is configured land here."""
        return self.log_base / "console.log"

    @property
    def config_file(self) -> Path:
        return self.base_dir / "rabbitmq.conf"

    @property
    def pid_file(self) -> Path:
        return self.base_dir / "rabbitmq.pid"

    @property
    def state_file(self) -> Path:
        return self.base_dir / "state.json"

    @property
    def lock_file(self) -> Path:
        return self.base_dir / "rabbitmq.lock"

    @property
    def dist_port(self) -> int:
        return self.port + DIST_PORT_OFFSET

    @property
    def url(self) -> str:
        return f"amqp://{self.user}:{self.password}@127.0.0.1:{self.port}/%2F"

    def env_exports(self) -> dict[str, str]:
        return {
            "LOGWARDEN_RABBITMQ_URL": self.url,
            "LOGWARDEN_RABBITMQ_PORT": str(self.port),
            "LOGWARDEN_RABBITMQ_LOGS_QUEUE": self.logs_queue,
            "LOGWARDEN_RABBITMQ_SERVICE_QUEUE": self.service_queue,
        }


# --------------------------------------------------------------------------------------------------------------
# Pure pieces


def render_config(settings: LocalRabbitMQSettings) -> str:
    """``rabbitmq.conf``: loopback listener, log file at info, and the log exchange at info."""
    return "\n".join(
        [
            "# Written by `logwarden rabbitmq up`; rewritten on every start.",
            f"listeners.tcp.default = 127.0.0.1:{settings.port}",
            "loopback_users.guest = true",
            "log.file.level = info",
            "log.console = false",
            "log.exchange = true",
            "log.exchange.level = info",
            # The machine is shared: do not let a busy neighbour trip the disk alarm and block publishers.
            "disk_free_limit.absolute = 50MB",
            "",
        ]
    )


def server_environment(settings: LocalRabbitMQSettings, base: Mapping[str, str]) -> dict[str, str]:
    """Environment of the broker and of ``rabbitmqctl`` for this node. ``HOME`` points at the node's own
    directory so its Erlang cookie never mixes with a system broker's."""
    env = {key: value for key, value in base.items() if not key.startswith(("RABBITMQ_", "ERL_"))}
    env.update(
        {
            "HOME": str(settings.base_dir),
            "RABBITMQ_NODENAME": settings.node_name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(settings.port),
            "RABBITMQ_DIST_PORT": str(settings.dist_port),
            "RABBITMQ_CONFIG_FILE": str(settings.config_file),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(settings.base_dir / "advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": str(settings.base_dir / "rabbitmq-env.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(settings.base_dir / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(settings.mnesia_base),
            "RABBITMQ_LOG_BASE": str(settings.log_base),
            "RABBITMQ_PID_FILE": str(settings.pid_file),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }
    )
    return env


def tail_lines(path: Path, count: int) -> list[str]:
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            data = handle.read()
    except OSError:
        return []
    return data.decode("utf-8", errors="replace").splitlines()[-count:]


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped) still answers signal 0.
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[-1].split()[0] == "Z":
            return False
    return True


# --------------------------------------------------------------------------------------------------------------
# Installation


def installed() -> bool:
    return SERVER_SCRIPT.exists() and CTL_SCRIPT.exists()


def install() -> bool:
    """Install Debian's ``rabbitmq-server`` with apt-get if it is missing; True when it installed it.

    On a machine with systemd the package starts a system broker on 5672; that one is stopped and disabled
    so it cannot hold the port (this node does not use it).
    """
    if installed():
        return False
    if os.geteuid() != 0:
        raise LocalRabbitMQError(
            f"{DEBIAN_PACKAGE} is not installed; run `sudo apt-get install -y {DEBIAN_PACKAGE}` (or run this as root)"
        )
    apt_env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    command = ["apt-get", "install", "-y", "--no-install-recommends", DEBIAN_PACKAGE]
    first = subprocess.run(command, env=apt_env, capture_output=True, text=True, check=False)  # noqa: S603
    if first.returncode != 0:
        subprocess.run(["apt-get", "update"], env=apt_env, capture_output=True, check=False)  # noqa: S607
        again = subprocess.run(command, env=apt_env, capture_output=True, text=True, check=False)  # noqa: S603
        if again.returncode != 0:
            raise LocalRabbitMQError(f"apt-get install {DEBIAN_PACKAGE} failed:\n{again.stderr[-2000:]}")
    stop_system_service()
    return True


def stop_system_service() -> bool:
    """Stop and disable the package's own broker service if systemd started it; True if it was running."""
    systemctl = shutil.which("systemctl")
    if systemctl is None or not Path("/run/systemd/system").is_dir():
        return False
    active = subprocess.run(  # noqa: S603
        [systemctl, "is-active", "--quiet", DEBIAN_PACKAGE], capture_output=True, check=False
    )
    subprocess.run([systemctl, "disable", "--now", DEBIAN_PACKAGE], capture_output=True, check=False)  # noqa: S603
    return active.returncode == 0


# --------------------------------------------------------------------------------------------------------------
# Running


@dataclass(frozen=True)
class BrokerState:
    running: bool
    pid: int | None
    reachable: bool
    queues: dict[str, int]


@dataclass(frozen=True)
class UpResult:
    installed: bool
    started: bool
    pid: int
    seconds: float


@contextlib.contextmanager
def _locked(settings: LocalRabbitMQSettings) -> Iterator[None]:
    settings.base_dir.mkdir(parents=True, exist_ok=True)
    with settings.lock_file.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_state(settings: LocalRabbitMQSettings) -> dict[str, Any]:
    try:
        state = json.loads(settings.state_file.read_text())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _running_pid(settings: LocalRabbitMQSettings) -> int | None:
    """The broker's own pid (its pid file) or, while it boots, the launcher's."""
    launcher = _read_state(settings).get("launcher_pid")
    for pid in (_pid_from_file(settings), launcher if isinstance(launcher, int) else None):
        if pid is not None and pid_alive(pid) and _is_broker_process(pid):
            return pid
    return None


def _is_broker_process(pid: int) -> bool:
    """A pid left in a file from before a reboot may belong to anything now."""
    try:
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc: trust the pid
    return b"beam" in command_line or b"rabbitmq" in command_line


def connection_parameters(settings: LocalRabbitMQSettings, **overrides: Any) -> pika.ConnectionParameters:
    import pika

    options: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": settings.port,
        "virtual_host": DEFAULT_VHOST,
        "credentials": pika.PlainCredentials(settings.user, settings.password),
        "connection_attempts": 1,
        "socket_timeout": 5,
        "blocked_connection_timeout": 30,
    }
    options.update(overrides)
    return pika.ConnectionParameters(**options)


def connect(settings: LocalRabbitMQSettings, **overrides: Any) -> pika.BlockingConnection:
    import pika

    return pika.BlockingConnection(connection_parameters(settings, **overrides))


def _epmd_running() -> bool:
    return port_in_use(4369)


def _failure(settings: LocalRabbitMQSettings, why: str) -> LocalRabbitMQError:
    log = tail_lines(settings.log_file, 25) or tail_lines(settings.console_file, 25)
    where = settings.log_file if settings.log_file.exists() else settings.console_file
    quoted = "\n".join(f"  | {line}" for line in log) or "  (the log is empty)"
    return LocalRabbitMQError(f"{why}\nlast lines of {where}:\n{quoted}")


def start(settings: LocalRabbitMQSettings) -> int:
    """Start the node in the background and return the launcher's pid (does not wait)."""
    if port_in_use(settings.port):
        raise LocalRabbitMQError(
            f"port {settings.port} on 127.0.0.1 is taken by another process (a system broker? "
            f"`systemctl disable --now {DEBIAN_PACKAGE}`), or set LOGWARDEN_RABBITMQ_PORT to a free port"
        )
    for directory in (settings.mnesia_base, settings.log_base):
        directory.mkdir(parents=True, exist_ok=True)
    settings.config_file.write_text(render_config(settings))
    (settings.base_dir / "enabled_plugins").write_text("[].\n")
    (settings.base_dir / "rabbitmq-env.conf").write_text("")
    settings.pid_file.unlink(missing_ok=True)
    epmd_was_running = _epmd_running()
    env = server_environment(settings, os.environ)
    with settings.console_file.open("ab") as console:
        process = subprocess.Popen(  # noqa: S603
            [str(SERVER_SCRIPT)],
            cwd=settings.base_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=console,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    settings.state_file.write_text(
        json.dumps({"launcher_pid": process.pid, "port": settings.port, "started_epmd": not epmd_was_running})
    )
    return process.pid


def wait_until_ready(settings: LocalRabbitMQSettings, launcher_pid: int) -> None:
    """Block until an AMQP login succeeds and the log exchange exists, or fail quoting the broker log."""
    from pika.exceptions import AMQPError

    deadline = time.monotonic() + settings.start_timeout
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if not pid_alive(launcher_pid) and _running_pid(settings) is None:
            raise _failure(settings, f"the broker exited during start-up (port {settings.port})")
        if port_in_use(settings.port):
            try:
                connection = connect(settings)
            except AMQPError as error:
                last_error = f"{type(error).__name__}: {error}"
            else:
                try:
                    channel = connection.channel()
                    channel.exchange_declare(LOG_EXCHANGE, passive=True)
                    return
                except AMQPError as error:
                    # The log exchange is declared a moment after the listener opens.
                    last_error = f"{LOG_EXCHANGE}: {error}"
                finally:
                    with contextlib.suppress(AMQPError):
                        if connection.is_open:
                            connection.close()
        time.sleep(0.5)
    raise _failure(settings, f"the broker did not become ready in {settings.start_timeout:.0f} s ({last_error})")


def declare_topology(settings: LocalRabbitMQSettings) -> None:
    """The broker-logs queue bound to the log exchange (every level) and the service-logs queue."""
    connection = connect(settings)
    try:
        channel = connection.channel()
        channel.queue_declare(settings.logs_queue, durable=True)
        channel.queue_bind(settings.logs_queue, LOG_EXCHANGE, routing_key="#")
        channel.queue_declare(settings.service_queue, durable=True)
    finally:
        connection.close()


def up(settings: LocalRabbitMQSettings | None = None) -> UpResult:
    """Install if needed, start if not running, wait until ready, declare the queues. Idempotent."""
    settings = settings or LocalRabbitMQSettings.from_env()
    began = time.monotonic()
    with _locked(settings):
        did_install = install()
        pid = _running_pid(settings)
        started = pid is None
        if pid is None:
            pid = start(settings)
        wait_until_ready(settings, pid)
        declare_topology(settings)
    return UpResult(
        installed=did_install, started=started, pid=_running_pid(settings) or pid, seconds=time.monotonic() - began
    )


def ensure_running(settings: LocalRabbitMQSettings | None = None) -> LocalRabbitMQSettings:
    """For tests and the demo: the settings of a broker that is up (starting it if needed)."""
    settings = settings or LocalRabbitMQSettings.from_env()
    up(settings)
    return settings


def down(settings: LocalRabbitMQSettings | None = None, timeout: float = 60.0) -> int | None:
    """Stop the node (SIGTERM: the broker shuts down cleanly; SIGKILL after ``timeout``). Returns its pid."""
    settings = settings or LocalRabbitMQSettings.from_env()
    with _locked(settings):
        state = _read_state(settings)
        pids = [pid for pid in (_pid_from_file(settings), state.get("launcher_pid")) if isinstance(pid, int)]
        alive = [pid for pid in pids if pid_alive(pid) and _is_broker_process(pid)]
        if not alive:
            return None
        for pid in alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(pid_alive(pid) for pid in alive):
            time.sleep(0.2)
        for pid in alive:
            if pid_alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        if state.get("started_epmd"):
            _stop_idle_epmd(settings)
        settings.pid_file.unlink(missing_ok=True)
        settings.state_file.unlink(missing_ok=True)
        return alive[0]


def _pid_from_file(settings: LocalRabbitMQSettings) -> int | None:
    try:
        return int(settings.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


def _stop_idle_epmd(settings: LocalRabbitMQSettings) -> None:
    """epmd outlives the node that started it; stop it when it was ours and no node is registered any more
    (``epmd -kill`` itself refuses while nodes are alive)."""
    epmd = next((found for name in EPMD_CANDIDATES if (found := shutil.which(name))), None)
    if epmd is None:
        return
    env = server_environment(settings, os.environ)
    names = subprocess.run([epmd, "-names"], env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if "name " not in names.stdout:
        subprocess.run([epmd, "-kill"], env=env, capture_output=True, check=False)  # noqa: S603


def status(settings: LocalRabbitMQSettings | None = None) -> BrokerState:
    from pika.exceptions import AMQPError, ChannelClosedByBroker

    settings = settings or LocalRabbitMQSettings.from_env()
    pid = _running_pid(settings)
    queues: dict[str, int] = {}
    reachable = False
    if pid is not None:
        try:
            connection = connect(settings)
        except AMQPError:
            pass
        else:
            reachable = True
            try:
                channel = connection.channel()
                for queue in (settings.logs_queue, settings.service_queue):
                    try:
                        queues[queue] = channel.queue_declare(queue, passive=True).method.message_count or 0
                    except ChannelClosedByBroker:
                        channel = connection.channel()
            finally:
                connection.close()
    return BrokerState(running=pid is not None, pid=pid, reachable=reachable, queues=queues)


def rabbitmqctl(settings: LocalRabbitMQSettings, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``rabbitmqctl -n <node> ...`` against the local node (e.g. to provoke a memory alarm in tests)."""
    env = server_environment(settings, os.environ)
    return subprocess.run(  # noqa: S603
        [str(CTL_SCRIPT), "-n", settings.node_name, *args], env=env, capture_output=True, text=True, check=False
    )
