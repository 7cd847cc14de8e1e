"""The pure parts of the local OpenSearch manager: settings, rendered config, command lines, checksums,
passwords and the start-up error message."""

from __future__ import annotations

import hashlib
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from logwarden.errors import ConfigurationError
from logwarden_tools.local import opensearch_engine as local


def settings(tmp_path: Path, **changes: object) -> local.LocalOpenSearchSettings:
    env = {"HOME": str(tmp_path), "LOGWARDEN_HOME": str(tmp_path / "cache")}
    env.update({key: str(value) for key, value in changes.items()})
    return local.LocalOpenSearchSettings.from_env(env)


def test_defaults_are_secure_loopback_with_data_apart_from_install(tmp_path: Path) -> None:
    s = settings(tmp_path)
    assert s.profile == "secure"
    assert s.url == "https://127.0.0.1:9200"
    assert s.install_dir == tmp_path / "cache" / "opensearch-2.19.1"
    assert s.data_dir.parent == s.state_dir != s.install_dir
    assert not s.data_dir.is_relative_to(s.install_dir)
    assert s.pid_file.parent == s.state_dir
    assert s.ca_certs == s.install_dir / "config" / "root-ca.pem"
    assert s.maven_repository == tmp_path / ".m2" / "repository"


def test_plain_profile_has_its_own_install_and_data(tmp_path: Path) -> None:
    secure = settings(tmp_path)
    plain = settings(tmp_path, LOGWARDEN_OPENSEARCH_PROFILE="plain", LOGWARDEN_OPENSEARCH_PORT=9201)
    assert plain.url == "http://127.0.0.1:9201"
    assert plain.install_dir != secure.install_dir
    assert plain.state_dir != secure.state_dir


def test_every_bad_setting_is_named_at_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        settings(
            tmp_path,
            LOGWARDEN_OPENSEARCH_PROFILE="fast",
            LOGWARDEN_OPENSEARCH_PORT="80",
            LOGWARDEN_OPENSEARCH_HEAP="lots",
            LOGWARDEN_OPENSEARCH_START_TIMEOUT="soon",
        )
    named = [problem.split()[0] for problem in caught.value.problems]
    assert sorted(named) == [
        "LOGWARDEN_OPENSEARCH_HEAP",
        "LOGWARDEN_OPENSEARCH_PORT",
        "LOGWARDEN_OPENSEARCH_PROFILE",
        "LOGWARDEN_OPENSEARCH_START_TIMEOUT",
    ]


def test_root_keeps_the_engine_out_of_its_private_home() -> None:
    assert local.default_home(0, Path("/root")) == Path("/var/cache/logwarden")
    assert local.default_home(1000, Path("/home/dev")) == Path("/home/dev/.cache/logwarden")


def test_config_listens_on_loopback_as_a_single_node() -> None:
    pairs = dict(
        line.split(": ", 1) for line in local.render_opensearch_yml().splitlines() if line and not line.startswith("#")
    )
    assert pairs["network.host"] == "127.0.0.1"
    assert pairs["discovery.type"] == "single-node"
    assert pairs["cluster.name"] == local.CLUSTER_NAME
    assert [
        pairs[f"cluster.routing.allocation.disk.watermark.{level}"] for level in ("low", "high", "flood_stage")
    ] == [
        "1gb",
        "512mb",
        "256mb",
    ]


def test_audit_log_is_switched_off_without_touching_other_settings() -> None:
    config = "a: 1\nplugins.security.audit.type: internal_opensearch\nb: 2\n"
    assert local.disable_audit_log(config) == "a: 1\nplugins.security.audit.type: noop\nb: 2\n"


@pytest.mark.parametrize(
    ("heap", "expected"), [("1g", "-Xms512m -Xmx1g"), ("512m", "-Xms512m -Xmx512m"), ("256m", "-Xms256m -Xmx256m")]
)
def test_heap_never_starts_above_its_maximum(heap: str, expected: str) -> None:
    assert local.java_opts(heap) == expected


def test_start_command_detaches_with_a_pid_file_and_runs_as_the_service_user(tmp_path: Path) -> None:
    s = settings(tmp_path, LOGWARDEN_OPENSEARCH_PORT=9250, LOGWARDEN_OPENSEARCH_TRANSPORT_PORT=9350)
    command = local.start_command(s, "logwarden-os")
    assert command[:4] == ["runuser", "-u", "logwarden-os", "--"]
    assert command[4] == str(s.install_dir / "bin" / "opensearch")
    assert command[5:8] == ["-d", "-p", str(s.pid_file)]
    options = {command[i + 1] for i, word in enumerate(command) if word == "-E"}
    assert options == {
        f"path.data={s.data_dir}",
        f"path.logs={s.logs_dir}",
        "http.port=9250",
        "transport.port=9350",
    }
    assert local.start_command(s, None)[0] == str(s.install_dir / "bin" / "opensearch")


def test_engine_environment_is_explicit(tmp_path: Path) -> None:
    s = settings(tmp_path)
    env = local.engine_environment(s, Path("/usr/lib/jvm/x"), {"PATH": "/bin", "JAVA_OPTS": "-Xmx64g", "AWS_KEY": "k"})
    assert env == {
        "PATH": "/bin",
        "OPENSEARCH_JAVA_HOME": "/usr/lib/jvm/x",
        "OPENSEARCH_JAVA_OPTS": "-Xms512m -Xmx1g",
        "OPENSEARCH_PATH_CONF": str(s.install_dir / "config"),
    }


def test_maven_artifact_path_follows_the_repository_layout(tmp_path: Path) -> None:
    assert local.SECURITY_PLUGIN.path_in(tmp_path) == (
        tmp_path / "org/opensearch/plugin/opensearch-security/2.19.1.0/opensearch-security-2.19.1.0.zip"
    )
    assert local.ENGINE.coordinates == "org.opensearch.distribution.integ-test-zip:opensearch:2.19.1:zip"


def test_sha1_must_match_the_pin_and_the_file_maven_keeps_beside_it(tmp_path: Path) -> None:
    archive = tmp_path / "a.zip"
    archive.write_bytes(b"engine bytes")
    digest = hashlib.sha1(b"engine bytes").hexdigest()  # noqa: S324 - what Maven publishes

    assert local.verify_sha1(archive, digest) == digest  # no .sha1 beside it: the pin alone decides
    with pytest.raises(local.LocalOpenSearchError, match="pinned"):
        local.verify_sha1(archive, "0" * 40)

    (tmp_path / "a.zip.sha1").write_text(digest.upper() + "  a.zip\n")
    with pytest.raises(local.LocalOpenSearchError, match="pinned"):
        local.verify_sha1(archive, "0" * 40)
    (tmp_path / "a.zip.sha1").write_text(digest + "\n")
    assert local.verify_sha1(archive, digest) == digest

    archive.write_bytes(b"tampered")
    with pytest.raises(local.LocalOpenSearchError, match=r"a\.zip\.sha1"):
        local.verify_sha1(archive, digest)


def test_failure_message_quotes_the_last_30_lines_of_the_first_log_with_content(tmp_path: Path) -> None:
    empty, log = tmp_path / "empty.log", tmp_path / "engine.log"
    empty.write_text("")
    log.write_text("".join(f"line {i}\n" for i in range(100)))
    message = local.failure_message("OpenSearch exited during start-up (exit 1)", [tmp_path / "missing", empty, log])
    lines = message.splitlines()
    assert lines[0] == "OpenSearch exited during start-up (exit 1)"
    assert lines[1] == f"last 30 lines of {log}:"
    assert lines[2:] == [f"  | line {i}" for i in range(70, 100)]


def test_failure_message_says_when_there_is_no_log_yet(tmp_path: Path) -> None:
    message = local.failure_message("timed out", [tmp_path / "x.log"])
    assert message == f"timed out\n(no log output yet in {tmp_path / 'x.log'})"


def test_tail_reads_only_the_end_of_big_files(tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    log.write_bytes(b"x" * 1_000_000 + b"\nlast but one\nlast\n")
    assert local.tail_lines(log, 2) == ["last but one", "last"]
    assert local.tail_lines(log, 0) == []


def test_generated_passwords_are_strong_and_need_no_quoting_in_user_colon_password() -> None:
    passwords = {local.generate_password() for _ in range(50)}
    assert len(passwords) == 50
    for password in passwords:
        assert len(password) == 24
        assert any(c.isupper() for c in password) and any(c.islower() for c in password)
        assert any(c.isdigit() for c in password) and any(c in "-_." for c in password)
        assert set(password) <= set(local._PASSWORD_ALPHABET + "-_.")


def test_env_exports_survive_a_shell_eval() -> None:
    connection = local.LocalConnection("https://127.0.0.1:9200", "admin", "a'b c$d", "/x y/root-ca.pem")
    script = local.shell_exports(connection.env_exports()) + 'printf "%s|%s|%s|%s" "$OPENSEARCH_URL" '
    script += '"$OPENSEARCH_USERNAME" "$OPENSEARCH_PASSWORD" "$OPENSEARCH_CA_CERTS"'
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True).stdout
    assert out == "https://127.0.0.1:9200|admin|a'b c$d|/x y/root-ca.pem"


def test_plain_connection_exports_only_the_url() -> None:
    assert local.LocalConnection("http://127.0.0.1:9200", None, None, None).env_exports() == {
        "OPENSEARCH_URL": "http://127.0.0.1:9200"
    }


def test_stale_pid_files_are_recognised_by_the_command_line(tmp_path: Path) -> None:
    install = tmp_path / "opensearch-2.19.1"
    java = f"/usr/bin/java\0-Xmx1g\0-cp\0{install}/lib/*\0org.opensearch.bootstrap.OpenSearch\0-d\0".encode()
    assert local.is_engine_cmdline(java, install)
    assert not local.is_engine_cmdline(java, tmp_path / "other-install")
    assert not local.is_engine_cmdline(b"/usr/bin/python3\0server.py\0", install)


def test_extract_keeps_executable_bits_and_refuses_escaping_paths(tmp_path: Path) -> None:
    archive = tmp_path / "dist.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        script = zipfile.ZipInfo("opensearch-2.19.1/bin/opensearch")
        script.external_attr = (stat.S_IFREG | 0o755) << 16
        bundle.writestr(script, "#!/bin/sh\n")
        bundle.writestr("opensearch-2.19.1/config/opensearch.yml", "")
    local._extract(archive, tmp_path / "out")
    assert (tmp_path / "out/opensearch-2.19.1/bin/opensearch").stat().st_mode & 0o777 == 0o755

    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as bundle:
        bundle.writestr("../escaped", "x")
    with pytest.raises(local.LocalOpenSearchError, match="outside"):
        local._extract(evil, tmp_path / "out2")
    assert not (tmp_path / "escaped").exists()


# The security plugin's demo users, in the shape its install_demo_configuration.sh writes them (hashes shortened).
DEMO_INTERNAL_USERS = """---
_meta:
  type: "internalusers"
  config_version: 2
admin:
  hash: "$2y$12$generated-admin-hash"
  reserved: true
  backend_roles:
  - "admin"
  description: "Demo admin user"
kibanaserver:
  hash: "$2a$12$well-known-kibanaserver"
  reserved: true
  description: "Demo OpenSearch Dashboards user"
readall:
  hash: "$2a$12$well-known-readall"
  reserved: false
  backend_roles:
  - "readall"
  description: "Demo readall user, using external role mapping"
"""


def _installed_users_file(s: local.LocalOpenSearchSettings) -> None:
    s.internal_users_file.parent.mkdir(parents=True)
    s.internal_users_file.write_text(DEMO_INTERNAL_USERS, encoding="utf-8")


def test_demo_users_are_every_user_but_the_admin() -> None:
    assert local.demo_user_names(DEMO_INTERNAL_USERS) == ["kibanaserver", "readall"]


def test_only_the_named_users_hashes_change() -> None:
    rewritten = local.with_user_hashes(DEMO_INTERNAL_USERS, {"readall": "$2y$12$new"})

    assert '  hash: "$2y$12$new"\n' in rewritten and "well-known-readall" not in rewritten
    assert "generated-admin-hash" in rewritten and "well-known-kibanaserver" in rewritten
    assert rewritten.replace('"$2y$12$new"', '"$2a$12$well-known-readall"') == DEMO_INTERNAL_USERS


def test_each_install_gives_the_demo_users_generated_passwords_kept_private(tmp_path: Path) -> None:
    # GIVEN two installs of the demo configuration, with its well-known passwords
    first, second = settings(tmp_path / "a"), settings(tmp_path / "b")
    hashed: list[str] = []

    def hasher(password: str) -> str:  # stands in for the plugin's hash.sh (a JVM)
        hashed.append(password)
        return "$2y$12$hash-of-" + hashlib.sha256(password.encode()).hexdigest()

    for s in (first, second):
        _installed_users_file(s)

    # WHEN each is configured
    one = local.configure_demo_users(first, hasher)
    two = local.configure_demo_users(second, hasher)

    # THEN every demo user has a fresh strong password, different per install, stored mode 600, read back as stored
    assert set(one) == set(two) == {"kibanaserver", "readall"}
    assert all(len(password) >= 24 for password in (*one.values(), *two.values()))
    assert set(one.values()).isdisjoint(two.values())
    assert stat.S_IMODE(first.demo_users_file.stat().st_mode) == 0o600
    assert local.demo_users(first) == one and local.demo_users(second) == two
    # and the yml the engine loads holds their hashes, no well-known one, the admin's untouched
    text = first.internal_users_file.read_text(encoding="utf-8")
    assert "well-known" not in text and "generated-admin-hash" in text
    assert all(f"hash-of-{hashlib.sha256(p.encode()).hexdigest()}" in text for p in one.values())
    assert sorted(hashed) == sorted([*one.values(), *two.values()])


def test_a_reinstall_over_existing_data_keeps_the_stored_passwords(tmp_path: Path) -> None:
    s = settings(tmp_path)
    _installed_users_file(s)
    before = local.configure_demo_users(s, lambda password: "$2y$12$x")
    s.internal_users_file.write_text(DEMO_INTERNAL_USERS, encoding="utf-8")  # the install is redone

    after = local.configure_demo_users(s, lambda password: "$2y$12$x")

    assert after == before  # the security index in the data directory still matches


def test_no_demo_users_without_the_file(tmp_path: Path) -> None:
    assert local.demo_users(settings(tmp_path, LOGWARDEN_OPENSEARCH_PROFILE="plain")) == {}
