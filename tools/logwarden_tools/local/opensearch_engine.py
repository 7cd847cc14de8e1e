"""A real OpenSearch engine on 127.0.0.1, installed from Maven and run as an unprivileged user.

Layout under the cache home (``LOGWARDEN_HOME``; see ``default_home`` for the default)::

    opensearch-2.19.1/           the install (engine + security plugin + demo certificates), reused between runs
    opensearch-2.19.1-plain/     the same without the security plugin (``plain`` profile, plain HTTP)
    opensearch-data[-plain]/     data/, logs/ and the pid file: kept apart so an install can be replaced
    opensearch-admin-password    generated admin password, mode 600
    opensearch-data/demo-users.json  generated passwords of the security plugin's other demo users, mode 600
    opensearch.lock              serialises install and start across processes

The security plugin's demo configuration ships its users (``kibanaserver``, ``readall``…) with passwords everyone
knows; each install gives every one of them a generated password instead (``configure_demo_users``).

Pure pieces (settings, rendered config, command lines, checksum and log-tail helpers) are separate from the
functions that touch the system (``install``, ``start``, ``stop``, ``status``) so they can be unit tested.
"""

from __future__ import annotations

import base64
import concurrent.futures
import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import ssl
import string
import subprocess
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from logwarden.errors import ConfigurationError, LogwardenError

VERSION = "2.19.1"
CLUSTER_NAME = "logwarden-local"
ADMIN_USER = "admin"
MAIN_CLASS = "org.opensearch.bootstrap.OpenSearch"
INSTALL_MARKER = ".logwarden-install.json"

Profile = Literal["secure", "plain"]


class LocalOpenSearchError(LogwardenError):
    """The local engine could not be installed, started, reached or stopped; the message says why."""


@dataclass(frozen=True)
class MavenArtifact:
    group: str
    artifact: str
    version: str
    packaging: str
    # Pinned digest. Maven Central publishes a .sha1 for the engine zip (checked as well), but none at all for
    # the security plugin zip, so the pin is the only thing that can vouch for that one.
    sha1: str

    @property
    def coordinates(self) -> str:
        return f"{self.group}:{self.artifact}:{self.version}:{self.packaging}"

    def path_in(self, repository: Path) -> Path:
        return (
            repository.joinpath(*self.group.split("."))
            / self.artifact
            / self.version
            / f"{self.artifact}-{self.version}.{self.packaging}"
        )


ENGINE = MavenArtifact(
    "org.opensearch.distribution.integ-test-zip",
    "opensearch",
    VERSION,
    "zip",
    "af4fbc753ec975e4f335e3cf514527c7fb216864",
)
SECURITY_PLUGIN = MavenArtifact(
    "org.opensearch.plugin", "opensearch-security", f"{VERSION}.0", "zip", "bbea3f51ff7e94da093589f2c30ad9868e92959b"
)


# --------------------------------------------------------------------------------------------------------------
# Settings


def default_home(euid: int, user_home: Path) -> Path:
    """``~/.cache/logwarden`` for a normal user. Root runs the engine as a separate unprivileged user, who
    cannot enter root's mode-700 home directory, so root's default is ``/var/cache/logwarden`` instead."""
    if euid == 0:
        return Path("/var/cache/logwarden")
    return user_home / ".cache" / "logwarden"


_HEAP = re.compile(r"^[1-9][0-9]*[mMgG]$")


@dataclass(frozen=True)
class LocalOpenSearchSettings:
    """How the local engine is installed and run. ``from_env`` is the only place that reads the environment."""

    home: Path
    maven_repository: Path
    java_home: Path | None
    profile: Profile = "secure"
    http_port: int = 9200
    transport_port: int = 9300
    heap_max: str = "1g"
    service_user: str = "logwarden-os"
    start_timeout: float = 180.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LocalOpenSearchSettings:
        env = os.environ if environ is None else environ
        problems: list[str] = []
        user_home = Path(env.get("HOME") or Path.home())

        def integer(name: str, default: int, low: int, high: int) -> int:
            raw = env.get(name, "")
            if not raw:
                return default
            if not raw.isdigit() or not low <= int(raw) <= high:
                problems.append(f"{name} must be an integer in [{low}, {high}], got {raw!r}")
                return default
            return int(raw)

        profile = env.get("LOGWARDEN_OPENSEARCH_PROFILE", "secure") or "secure"
        if profile not in ("secure", "plain"):
            problems.append(f"LOGWARDEN_OPENSEARCH_PROFILE must be 'secure' or 'plain', got {profile!r}")
            profile = "secure"
        heap = env.get("LOGWARDEN_OPENSEARCH_HEAP", "1g") or "1g"
        if not _HEAP.match(heap):
            problems.append(f"LOGWARDEN_OPENSEARCH_HEAP must look like 512m or 1g, got {heap!r}")
        java_home_raw = env.get("LOGWARDEN_JAVA_HOME") or env.get("OPENSEARCH_JAVA_HOME") or env.get("JAVA_HOME")
        settings = cls(
            home=Path(env["LOGWARDEN_HOME"]) if env.get("LOGWARDEN_HOME") else default_home(os.geteuid(), user_home),
            maven_repository=Path(env.get("LOGWARDEN_MAVEN_REPOSITORY") or user_home / ".m2" / "repository"),
            java_home=Path(java_home_raw) if java_home_raw else None,
            profile="plain" if profile == "plain" else "secure",
            http_port=integer("LOGWARDEN_OPENSEARCH_PORT", 9200, 1024, 65535),
            transport_port=integer("LOGWARDEN_OPENSEARCH_TRANSPORT_PORT", 9300, 1024, 65535),
            heap_max=heap,
            service_user=env.get("LOGWARDEN_OPENSEARCH_USER", "logwarden-os") or "logwarden-os",
            start_timeout=float(integer("LOGWARDEN_OPENSEARCH_START_TIMEOUT", 180, 10, 3600)),
        )
        if settings.http_port == settings.transport_port:
            problems.append("LOGWARDEN_OPENSEARCH_PORT and LOGWARDEN_OPENSEARCH_TRANSPORT_PORT must differ")
        if problems:
            raise ConfigurationError(problems)
        return settings

    @property
    def secure(self) -> bool:
        return self.profile == "secure"

    @property
    def install_dir(self) -> Path:
        return self.home / (f"opensearch-{VERSION}" if self.secure else f"opensearch-{VERSION}-plain")

    @property
    def state_dir(self) -> Path:
        return self.home / ("opensearch-data" if self.secure else "opensearch-data-plain")

    @property
    def data_dir(self) -> Path:
        return self.state_dir / "data"

    @property
    def logs_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / "opensearch.pid"

    @property
    def log_file(self) -> Path:
        return self.logs_dir / f"{CLUSTER_NAME}.log"

    @property
    def console_file(self) -> Path:
        """stdout/stderr of the launcher: JVM errors that happen before logging is configured land here."""
        return self.logs_dir / "console.log"

    @property
    def password_file(self) -> Path:
        return self.home / "opensearch-admin-password"

    @property
    def demo_users_file(self) -> Path:
        """The demo users' generated passwords: beside the data whose security index holds their hashes, so the
        two are made and removed together."""
        return self.state_dir / "demo-users.json"

    @property
    def internal_users_file(self) -> Path:
        return self.install_dir / "config" / "opensearch-security" / "internal_users.yml"

    @property
    def lock_file(self) -> Path:
        return self.home / "opensearch.lock"

    @property
    def ca_certs(self) -> Path:
        return self.install_dir / "config" / "root-ca.pem"

    @property
    def url(self) -> str:
        return f"{'https' if self.secure else 'http'}://127.0.0.1:{self.http_port}"


@dataclass(frozen=True)
class LocalConnection:
    """Everything a client needs to reach the local engine. ``username``/``password``/``ca_certs`` are None
    for the plain profile. The demo node certificate lists 127.0.0.1 and localhost among its names, so full
    verification (chain against ``ca_certs`` and host name) works."""

    url: str
    username: str | None
    password: str | None
    ca_certs: str | None

    def env_exports(self) -> dict[str, str]:
        exports = {"OPENSEARCH_URL": self.url}
        if self.username is not None and self.password is not None:
            exports["OPENSEARCH_USERNAME"] = self.username
            exports["OPENSEARCH_PASSWORD"] = self.password
        if self.ca_certs is not None:
            exports["OPENSEARCH_CA_CERTS"] = self.ca_certs
        return exports


# --------------------------------------------------------------------------------------------------------------
# Pure helpers


def render_opensearch_yml() -> str:
    """The static part of config/opensearch.yml; per-run values (ports, paths) go on the command line, and the
    security plugin's demo installer appends its own block to this file."""
    return "\n".join(
        [
            "# Written by `logwarden opensearch up`: a single node for tests and local runs, loopback only.",
            f"cluster.name: {CLUSTER_NAME}",
            f"node.name: {CLUSTER_NAME}-1",
            "network.host: 127.0.0.1",
            "discovery.type: single-node",
            "bootstrap.memory_lock: false",
            "# Disk thresholds as absolute free space, so a fairly full CI disk does not turn indices read-only,",
            "# while a truly full one still does.",
            "cluster.routing.allocation.disk.watermark.low: 1gb",
            "cluster.routing.allocation.disk.watermark.high: 512mb",
            "cluster.routing.allocation.disk.watermark.flood_stage: 256mb",
            "",
        ]
    )


def java_opts(heap_max: str) -> str:
    """Heap between 512 MB and ``heap_max``; never start above the maximum."""
    start = "512m" if _heap_bytes(heap_max) >= _heap_bytes("512m") else heap_max
    return f"-Xms{start} -Xmx{heap_max}"


def _heap_bytes(value: str) -> int:
    return int(value[:-1]) * (1024**3 if value[-1] in "gG" else 1024**2)


def start_command(settings: LocalOpenSearchSettings, run_as: str | None) -> list[str]:
    """The command line that starts the engine detached, writing its pid file."""
    command = [
        str(settings.install_dir / "bin" / "opensearch"),
        "-d",
        "-p",
        str(settings.pid_file),
        "-E",
        f"path.data={settings.data_dir}",
        "-E",
        f"path.logs={settings.logs_dir}",
        "-E",
        f"http.port={settings.http_port}",
        "-E",
        f"transport.port={settings.transport_port}",
    ]
    return as_user(command, run_as)


def as_user(command: list[str], run_as: str | None) -> list[str]:
    return command if run_as is None else ["runuser", "-u", run_as, "--", *command]


def engine_environment(settings: LocalOpenSearchSettings, java_home: Path, base: Mapping[str, str]) -> dict[str, str]:
    """A small, explicit environment: the engine must not pick up the caller's JAVA_OPTS or proxies."""
    env = {key: base[key] for key in ("PATH", "LANG", "LC_ALL", "TZ") if key in base}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env["OPENSEARCH_JAVA_HOME"] = str(java_home)
    env["OPENSEARCH_JAVA_OPTS"] = java_opts(settings.heap_max)
    env["OPENSEARCH_PATH_CONF"] = str(settings.install_dir / "config")
    return env


def sha1_of(path: Path) -> str:
    digest = hashlib.sha1(usedforsecurity=False)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_sha1(path: Path, expected: str) -> str:
    """Check ``path`` against the pinned digest and against the ``.sha1`` Maven keeps beside it, if any.
    Returns the digest; raises ``LocalOpenSearchError`` naming the file on any mismatch."""
    actual = sha1_of(path)
    beside = path.with_name(path.name + ".sha1")
    if beside.exists():
        words = beside.read_text(encoding="ascii", errors="replace").split()
        recorded = words[0].lower() if words else ""
        if recorded != actual:
            raise LocalOpenSearchError(f"{path}: sha1 {actual} does not match {beside.name} ({recorded or 'empty'})")
    if actual != expected:
        raise LocalOpenSearchError(f"{path}: sha1 {actual} does not match the pinned {expected}")
    return actual


def tail_lines(path: Path, count: int) -> list[str]:
    """The last ``count`` lines of a text file (reads only the end of big files)."""
    if count <= 0 or not path.exists():
        return []
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 256 * 1024))
        data = handle.read()
    return data.decode("utf-8", errors="replace").splitlines()[-count:]


def failure_message(reason: str, log_files: list[Path], count: int = 30) -> str:
    """An error that says what happened and quotes the end of the first non-empty log among ``log_files``."""
    for log in log_files:
        lines = tail_lines(log, count)
        if lines:
            quoted = "\n".join(f"  | {line}" for line in lines)
            return f"{reason}\nlast {len(lines)} lines of {log}:\n{quoted}"
    where = ", ".join(str(log) for log in log_files)
    return f"{reason}\n(no log output yet in {where})"


_PASSWORD_ALPHABET = string.ascii_letters + string.digits


def generate_password(length: int = 24) -> str:
    """A password the security plugin rates strong: letters, digits, and one each of upper, lower, digit and
    a symbol that needs no quoting in URLs, shells or ``user:password`` pairs."""
    body = [secrets.choice(_PASSWORD_ALPHABET) for _ in range(length - 4)]
    body += [secrets.choice(string.ascii_uppercase), secrets.choice(string.ascii_lowercase)]
    body += [secrets.choice(string.digits), secrets.choice("-_.")]
    secrets.SystemRandom().shuffle(body)
    return "".join(body)


_TOP_LEVEL_KEY = re.compile(r"^([A-Za-z0-9_.-]+):\s*$")
_HASH_LINE = re.compile(r"^(\s+hash:\s*).*$")


def demo_user_names(internal_users: str) -> list[str]:
    """The users of an ``internal_users.yml`` other than the admin (whose password is generated already)."""
    names = [m[1] for line in internal_users.splitlines() if (m := _TOP_LEVEL_KEY.match(line))]
    return [name for name in names if name not in ("_meta", ADMIN_USER)]


def with_user_hashes(internal_users: str, hashes: Mapping[str, str]) -> str:
    """``internal_users.yml`` with the ``hash`` of each user in ``hashes`` replaced; everything else as it was."""
    lines: list[str] = []
    user = ""
    for line in internal_users.splitlines(keepends=True):
        key = _TOP_LEVEL_KEY.match(line)
        if key:
            user = key[1]
        hash_line = _HASH_LINE.match(line.rstrip("\n"))
        if hash_line and user in hashes:
            line = f'{hash_line[1]}"{hashes[user]}"\n'
        lines.append(line)
    return "".join(lines)


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to a file only its owner can read, created that way (never readable, not even briefly)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)
    os.chmod(path, 0o600)


def demo_users(settings: LocalOpenSearchSettings | None = None) -> dict[str, str]:
    """The demo users' generated passwords, by user (empty when there are none, as in the plain profile)."""
    settings = settings or LocalOpenSearchSettings.from_env()
    try:
        stored = json.loads(settings.demo_users_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(stored, dict):
        return {}
    return {str(name): str(password) for name, password in stored.items() if isinstance(password, str)}


def configure_demo_users(settings: LocalOpenSearchSettings, hasher: Callable[[str], str]) -> dict[str, str]:
    """Give every demo user of the installed ``internal_users.yml`` a generated password: kept (mode 600) in
    ``demo_users_file``, its hash (``hasher``: the plugin's ``hash.sh``) written into the yml, which the plugin
    loads into its security index on the first start. Passwords already stored are kept, so a reinstall over
    existing data still matches the security index it holds."""
    text = settings.internal_users_file.read_text(encoding="utf-8")
    known = demo_users(settings)
    passwords = {name: known.get(name) or secrets.token_urlsafe(18) for name in demo_user_names(text)}
    # Two at a time: each hash is a JVM start of a few seconds, and the machine may have two cores.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        hashes = dict(zip(passwords, pool.map(hasher, passwords.values()), strict=True))
    settings.internal_users_file.write_text(with_user_hashes(text, hashes), encoding="utf-8")
    _write_private(settings.demo_users_file, json.dumps(passwords, indent=2, sort_keys=True) + "\n")
    return passwords


def _plugin_hasher(
    settings: LocalOpenSearchSettings, env: Mapping[str, str], run_as: str | None
) -> Callable[[str], str]:
    """Hash with the plugin's own tool; the password goes through the environment, never the command line."""
    tool = str(settings.install_dir / "plugins" / "opensearch-security" / "tools" / "hash.sh")

    def hash_password(password: str) -> str:
        # as_user keeps the environment (the demo installer gets the admin password the same way)
        command = as_user(["bash", tool, "-env", "LOGWARDEN_DEMO_PASSWORD"], run_as)
        output = _run(command, "hash a demo user's password", {**env, "LOGWARDEN_DEMO_PASSWORD": password})
        hashed = [line.strip() for line in output.splitlines() if line.strip().startswith("$2")]
        if not hashed:
            raise LocalOpenSearchError("the security plugin's hash.sh printed no hash")
        return hashed[-1]

    return hash_password


def shell_exports(values: Mapping[str, str]) -> str:
    import shlex

    return "".join(f"export {key}={shlex.quote(value)}\n" for key, value in values.items())


def is_engine_cmdline(cmdline: bytes, install_dir: Path) -> bool:
    """Whether a /proc/<pid>/cmdline belongs to an OpenSearch node of this install (guards against stale pid
    files whose number was reused by another process)."""
    text = cmdline.replace(b"\0", b" ").decode("utf-8", errors="replace")
    return MAIN_CLASS in text and str(install_dir) in text


# --------------------------------------------------------------------------------------------------------------
# System side


def _java_home(settings: LocalOpenSearchSettings) -> Path:
    candidates: list[Path] = []
    if settings.java_home is not None:
        candidates.append(settings.java_home)
    java = shutil.which("java")
    if java:
        candidates.append(Path(os.path.realpath(java)).parent.parent)
    candidates += sorted(Path("/usr/lib/jvm").glob("java-*-openjdk*"), reverse=True)
    for candidate in candidates:
        if (candidate / "bin" / "java").is_file():
            return candidate
    raise LocalOpenSearchError("no Java found: install JDK 17+ or set LOGWARDEN_JAVA_HOME")


def _run_as(settings: LocalOpenSearchSettings) -> str | None:
    """OpenSearch refuses to run as root; root runs it as a dedicated system user."""
    return settings.service_user if os.geteuid() == 0 else None


def _ensure_service_user(name: str) -> None:
    import pwd

    with contextlib.suppress(KeyError):
        pwd.getpwnam(name)
        return
    shell = "/usr/sbin/nologin" if Path("/usr/sbin/nologin").exists() else "/bin/false"
    _run(
        [
            "useradd",
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            shell,
            name,
        ],
        "create the service user",
    )


def _chown_tree(root: Path, user: str | None) -> None:
    if user is None:
        return
    import pwd

    entry = pwd.getpwnam(user)
    os.chown(root, entry.pw_uid, entry.pw_gid)
    for directory, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.lchown(os.path.join(directory, name), entry.pw_uid, entry.pw_gid)


def _run(command: list[str], what: str, env: Mapping[str, str] | None = None, timeout: float = 600) -> str:
    try:
        done = subprocess.run(  # noqa: S603 - fixed argument lists, no shell
            command, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise LocalOpenSearchError(f"could not {what}: {error}") from error
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip().splitlines()[-30:]
        quoted = "\n".join(output)
        raise LocalOpenSearchError(f"could not {what} (exit {done.returncode}): {' '.join(command)}\n{quoted}")
    return done.stdout


@contextlib.contextmanager
def _locked(settings: LocalOpenSearchSettings, timeout: float = 900) -> Iterator[None]:
    settings.home.mkdir(parents=True, exist_ok=True)
    with settings.lock_file.open("a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() > deadline:
                    raise LocalOpenSearchError(f"could not lock {settings.lock_file}: {error}") from error
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _artifact(settings: LocalOpenSearchSettings, artifact: MavenArtifact) -> Path:
    """The artifact in the local Maven repository, fetched with Maven if absent, checksum-verified."""
    path = artifact.path_in(settings.maven_repository)
    if not path.exists():
        if shutil.which("mvn") is None:
            raise LocalOpenSearchError(f"{artifact.coordinates} is not in {settings.maven_repository}; mvn is missing")
        command = ["mvn", "-q", "-B", f"-Dmaven.repo.local={settings.maven_repository}", "dependency:get"]
        _run([*command, f"-Dartifact={artifact.coordinates}", "-Dtransitive=false"], f"download {artifact.coordinates}")
    verify_sha1(path, artifact.sha1)
    return path


def _extract(archive: Path, destination: Path) -> None:
    """Unzip keeping the executable bits (``zipfile`` alone drops them) and refusing paths outside."""
    with zipfile.ZipFile(archive) as bundle:
        for info in bundle.infolist():
            target = (destination / info.filename).resolve()
            if not target.is_relative_to(destination.resolve()):
                raise LocalOpenSearchError(f"{archive}: refusing entry outside the install: {info.filename}")
            bundle.extract(info, destination)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(target, mode)


def disable_audit_log(config: str) -> str:
    """The demo configuration writes audit events into ``security-auditlog-*`` indices; locally they only add
    load and clutter index listings (Amazon OpenSearch sends audit logs to CloudWatch instead)."""
    return re.sub(r"(?m)^plugins\.security\.audit\.type:.*$", "plugins.security.audit.type: noop", config)


def _disable_audit_log(path: Path) -> None:
    path.write_text(disable_audit_log(path.read_text(encoding="utf-8")), encoding="utf-8")


def _admin_password(settings: LocalOpenSearchSettings, create: bool) -> str | None:
    path = settings.password_file
    if not path.exists():
        if not create:
            return None
        settings.home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(generate_password() + "\n")
    os.chmod(path, 0o600)
    return path.read_text(encoding="utf-8").strip()


def installed(settings: LocalOpenSearchSettings) -> bool:
    marker = settings.install_dir / INSTALL_MARKER
    if not marker.exists():
        return False
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8"))
    except ValueError:
        return False
    if not isinstance(recorded, dict):
        return False
    if settings.secure and not settings.password_file.exists():
        return False  # the password is lost: reinstall with fresh data (see ``install``)
    return recorded.get("version") == VERSION and recorded.get("profile") == settings.profile


def install(settings: LocalOpenSearchSettings) -> bool:
    """Install the engine (and, for the secure profile, the security plugin and demo TLS) unless already done.
    Returns True if it installed. Call with the lock held."""
    if installed(settings):
        return False
    run_as = _run_as(settings)
    if run_as is not None:
        _ensure_service_user(run_as)
    if _engine_pid(settings) is not None:
        raise LocalOpenSearchError(
            f"an engine is running from an incomplete install or without its password file "
            f"({settings.password_file}): run `logwarden opensearch purge`, then `up`"
        )
    if settings.secure:
        had_password = settings.password_file.exists()
        had_users = settings.demo_users_file.exists()
        if (not had_password or not had_users) and settings.data_dir.exists():
            # The security index in the data directory holds the old passwords' hashes (or the demo's well-known
            # ones): start afresh.
            shutil.rmtree(settings.state_dir)
        _admin_password(settings, create=True)
    java_home = _java_home(settings)
    engine_zip = _artifact(settings, ENGINE)
    plugin_zip = _artifact(settings, SECURITY_PLUGIN) if settings.secure else None

    staging = settings.home / f".staging-{settings.install_dir.name}"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(settings.install_dir, ignore_errors=True)
    staging.mkdir(parents=True)
    _extract(engine_zip, staging)
    extracted = staging / f"opensearch-{VERSION}"
    # Move into place before configuring: the plugin tools and the demo installer record absolute paths.
    extracted.rename(settings.install_dir)
    shutil.rmtree(staging)
    (settings.install_dir / "config" / "opensearch.yml").write_text(render_opensearch_yml(), encoding="utf-8")
    _chown_tree(settings.install_dir, run_as)
    env = engine_environment(settings, java_home, os.environ)
    if plugin_zip is not None:
        # The plugin zip stays readable by the service user only for the install itself.
        plugin_copy = settings.install_dir / "security-plugin.zip"
        shutil.copyfile(plugin_zip, plugin_copy)
        _chown_tree(plugin_copy, run_as)
        tool = str(settings.install_dir / "bin" / "opensearch-plugin")
        _run(as_user([tool, "install", "--batch", plugin_copy.as_uri()], run_as), "install the security plugin", env)
        plugin_copy.unlink()
        password = _admin_password(settings, create=False)
        assert password is not None  # noqa: S101 - created above
        # The plugin installer does not keep the script's executable bit, hence `bash script`.
        demo = str(settings.install_dir / "plugins" / "opensearch-security" / "tools" / "install_demo_configuration.sh")
        _run(
            as_user(["bash", demo, "-y", "-i", "-s"], run_as),
            "configure the security plugin's demo TLS and users",
            {**env, "OPENSEARCH_INITIAL_ADMIN_PASSWORD": password},
        )
        configure_demo_users(settings, _plugin_hasher(settings, env, run_as))
        _disable_audit_log(settings.install_dir / "config" / "opensearch.yml")
    marker = {"version": VERSION, "profile": settings.profile, "engine_sha1": ENGINE.sha1}
    if plugin_zip is not None:
        marker["security_plugin_sha1"] = SECURITY_PLUGIN.sha1
    (settings.install_dir / INSTALL_MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    _chown_tree(settings.install_dir, run_as)
    return True


def local_connection(settings: LocalOpenSearchSettings | None = None) -> LocalConnection:
    """How to reach the local engine (running or not): URL, admin credentials and the CA to trust."""
    settings = settings or LocalOpenSearchSettings.from_env()
    if not settings.secure:
        return LocalConnection(settings.url, None, None, None)
    password = _admin_password(settings, create=False)
    if password is None:
        raise LocalOpenSearchError(f"no admin password at {settings.password_file}: run `logwarden opensearch up`")
    return LocalConnection(settings.url, ADMIN_USER, password, str(settings.ca_certs))


def request(
    connection: LocalConnection, path: str, method: str = "GET", timeout: float = 5.0, auth: bool = True
) -> tuple[int, Any]:
    """A tiny HTTP client for probes (the real client is opensearch-py). Returns (status, parsed JSON or text)."""
    headers = {"Accept": "application/json"}
    if auth and connection.username is not None and connection.password is not None:
        token = base64.b64encode(f"{connection.username}:{connection.password}".encode()).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
    context = None
    if connection.url.startswith("https://"):
        context = ssl.create_default_context(cafile=connection.ca_certs)
    probe = urllib.request.Request(connection.url + path, method=method, headers=headers)  # noqa: S310 - http(s) only
    try:
        with urllib.request.urlopen(probe, timeout=timeout, context=context) as response:  # noqa: S310
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    text = body.decode("utf-8", errors="replace")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def _engine_pid(settings: LocalOpenSearchSettings) -> int | None:
    """The pid of this install's running node, or None (stale pid files are ignored)."""
    try:
        pid = int(settings.pid_file.read_text(encoding="ascii").strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if is_engine_cmdline(cmdline, settings.install_dir) else None


def _health(connection: LocalConnection) -> str | None:
    """'green'/'yellow'/'red', or None while the engine (or its security index) is not answering yet."""
    try:
        status, body = request(connection, "/_cluster/health", timeout=3.0)
    except (OSError, ssl.SSLError):
        return None
    if status == 200 and isinstance(body, dict):
        health = body.get("status")
        return health if isinstance(health, str) else None
    return None


def _port_in_use(port: int) -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@dataclass(frozen=True)
class UpResult:
    connection: LocalConnection
    installed: bool
    started: bool
    pid: int
    install_seconds: float
    start_seconds: float


def up(settings: LocalOpenSearchSettings | None = None) -> UpResult:
    """Install if needed, start if not running, and wait for yellow or green health. Safe to call from several
    processes at once: the second one waits for the lock and then reuses the engine the first one started."""
    settings = settings or LocalOpenSearchSettings.from_env()
    with _locked(settings):
        began = time.monotonic()
        did_install = install(settings)
        install_seconds = time.monotonic() - began
        connection = local_connection(settings)
        pid = _engine_pid(settings)
        started = False
        began = time.monotonic()
        if pid is None:
            pid = _start(settings)
            started = True
        _wait_healthy(settings, connection, pid)
        return UpResult(connection, did_install, started, pid, install_seconds, time.monotonic() - began)


def ensure_running(settings: LocalOpenSearchSettings | None = None) -> LocalConnection:
    """The entry point for tests and the demo: the engine is up and healthy when this returns."""
    return up(settings).connection


def _start(settings: LocalOpenSearchSettings) -> int:
    if _port_in_use(settings.http_port):
        raise LocalOpenSearchError(
            f"port {settings.http_port} on 127.0.0.1 is taken by another process (another profile or cluster?); "
            "stop it or set LOGWARDEN_OPENSEARCH_PORT"
        )
    run_as = _run_as(settings)
    for directory in (settings.state_dir, settings.data_dir, settings.logs_dir):
        directory.mkdir(parents=True, exist_ok=True)
    settings.pid_file.unlink(missing_ok=True)
    _chown_tree(settings.state_dir, run_as)
    env = engine_environment(settings, _java_home(settings), os.environ)
    command = start_command(settings, run_as)
    # Detached from the caller's terminal: the launcher's output goes to a file, so a caller that captures
    # output (CI, pytest) does not wait on a pipe the daemon holds open forever.
    began = time.time()
    with settings.console_file.open("wb") as console:
        launcher = subprocess.Popen(  # noqa: S603 - fixed argument list
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=console,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=settings.install_dir,
        )

    def failed(reason: str) -> LocalOpenSearchError:
        return LocalOpenSearchError(failure_message(reason, _logs_since(settings, began)))

    try:
        code = launcher.wait(timeout=settings.start_timeout)
    except subprocess.TimeoutExpired:
        launcher.kill()
        raise failed("the OpenSearch launcher did not return") from None
    if code != 0:
        raise failed(f"OpenSearch exited during start-up (exit {code})")
    deadline = time.monotonic() + 30
    while (pid := _engine_pid(settings)) is None:
        if time.monotonic() > deadline:
            raise failed(f"OpenSearch wrote no pid file at {settings.pid_file}")
        time.sleep(0.2)
    return pid


def _logs_since(settings: LocalOpenSearchSettings, began: float) -> list[Path]:
    """The engine log, unless it is left over from an earlier run, then the launcher's console output."""
    try:
        fresh = settings.log_file.stat().st_mtime >= began - 1
    except OSError:
        fresh = False
    return [settings.log_file, settings.console_file] if fresh else [settings.console_file]


def _wait_healthy(settings: LocalOpenSearchSettings, connection: LocalConnection, pid: int) -> str:
    logs = [settings.log_file, settings.console_file]
    deadline = time.monotonic() + settings.start_timeout
    while True:
        health = _health(connection)
        if health in ("green", "yellow"):
            return health
        if _engine_pid(settings) != pid:
            raise LocalOpenSearchError(failure_message(f"OpenSearch (pid {pid}) exited before becoming healthy", logs))
        if time.monotonic() > deadline:
            raise LocalOpenSearchError(
                failure_message(
                    f"OpenSearch at {connection.url} not healthy after {settings.start_timeout:.0f} s "
                    f"(last health: {health or 'no answer'})",
                    logs,
                )
            )
        time.sleep(0.5)


def down(settings: LocalOpenSearchSettings | None = None, grace: float = 60.0) -> int | None:
    """Stop the engine: SIGTERM, then SIGKILL after ``grace`` seconds. Returns the pid stopped, or None."""
    settings = settings or LocalOpenSearchSettings.from_env()
    with _locked(settings):
        pid = _engine_pid(settings)
        if pid is None:
            settings.pid_file.unlink(missing_ok=True)
            return None
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while _engine_pid(settings) == pid and Path(f"/proc/{pid}").exists():
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                deadline = time.monotonic() + 10
            time.sleep(0.2)
        settings.pid_file.unlink(missing_ok=True)
        return pid


def purge(settings: LocalOpenSearchSettings | None = None) -> list[Path]:
    """Stop the engine and delete its install, data and password (the Maven cache is kept)."""
    settings = settings or LocalOpenSearchSettings.from_env()
    down(settings)
    removed = []
    with _locked(settings):
        for path in (settings.install_dir, settings.state_dir):
            if path.exists():
                shutil.rmtree(path)
                removed.append(path)
        if settings.secure and settings.password_file.exists():
            settings.password_file.unlink()
            removed.append(settings.password_file)
    return removed


@dataclass(frozen=True)
class Status:
    running: bool
    pid: int | None
    url: str
    health: str | None
    version: str | None
    installed: bool


def status(settings: LocalOpenSearchSettings | None = None) -> Status:
    settings = settings or LocalOpenSearchSettings.from_env()
    pid = _engine_pid(settings)
    health = version = None
    if pid is not None:
        with contextlib.suppress(LocalOpenSearchError):
            connection = local_connection(settings)
            health = _health(connection)
            with contextlib.suppress(OSError, ssl.SSLError):
                code, body = request(connection, "/", timeout=3.0)
                if code == 200 and isinstance(body, dict):
                    version = str(body.get("version", {}).get("number"))
    return Status(pid is not None, pid, settings.url, health, version, installed(settings))


def rss_bytes(pid: int) -> int | None:
    """Resident memory of a process, from /proc (for `status` and the benchmark notes)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None
