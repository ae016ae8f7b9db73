"""contacts-mock's command line: options, environment variables, clear errors, a real process."""

from __future__ import annotations

import json
import re
import socket
import subprocess
from pathlib import Path

import httpx
import pytest

from mock_server.app import create_app
from mock_server.cli import banner, parse_settings
from mock_server.settings import DEFAULT_TOKENS, Settings
from tests.support.processes import free_port, mock_command, running_mock, stop

pytestmark = pytest.mark.process

ENV_NAMES = [
    "CONTACTS_MOCK_HOST",
    "CONTACTS_MOCK_PORT",
    "CONTACTS_MOCK_TOKENS",
    "CONTACTS_MOCK_CORS_ORIGINS",
    "CONTACTS_MOCK_LATENCY",
    "CONTACTS_MOCK_JITTER",
    "CONTACTS_MOCK_SEED_FILE",
    "CONTACTS_MOCK_MAX_CONTACTS",
    "CONTACTS_MOCK_LOG_FORMAT",
    "CONTACTS_MOCK_HEAD_TIMEOUT",
    "CONTACTS_MOCK_STORE",
    "CONTACTS_MOCK_STORE_PREFIX",
    "CONTACTS_MOCK_STORE_TIMEOUT",
    "CONTACTS_MOCK_WORKERS",
    "CONTACTS_MOCK_CONTROL_TOKEN",
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def test_defaults() -> None:
    settings, level = parse_settings([])
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert dict(settings.tokens) == dict(DEFAULT_TOKENS)
    assert settings.cors_origins == ("*",)
    assert settings.max_contacts == 100_000
    assert (settings.latency_ms, settings.jitter_ms) == (0, 0)
    assert settings.log_format == "text"
    assert level == "info"
    assert (settings.store, settings.store_prefix, settings.store_timeout_s) == (
        "memory",
        "contacts-mock",
        2,
    )
    assert (settings.workers, settings.control_token) == (1, None)


def test_store_workers_and_control_token_options(monkeypatch: pytest.MonkeyPatch) -> None:
    settings, _ = parse_settings(
        ["--store", "rediss://:pw@redis.test:6380/1", "--store-prefix", "team-a.mock",
         "--store-timeout", "0.5", "--workers", "4", "--control-token", "k3y"]
    )  # fmt: skip
    assert settings.store == "rediss://:pw@redis.test:6380/1"
    assert (settings.store_prefix, settings.store_timeout_s) == ("team-a.mock", 0.5)
    assert (settings.workers, settings.control_token) == (4, "k3y")
    monkeypatch.setenv("CONTACTS_MOCK_STORE", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("CONTACTS_MOCK_STORE_PREFIX", "env-prefix")
    monkeypatch.setenv("CONTACTS_MOCK_WORKERS", "2")
    monkeypatch.setenv("CONTACTS_MOCK_CONTROL_TOKEN", "from-env")
    settings, _ = parse_settings([])
    assert (settings.store, settings.store_prefix) == ("redis://127.0.0.1:6379/0", "env-prefix")
    assert (settings.workers, settings.control_token) == (2, "from-env")


def test_options() -> None:
    settings, _ = parse_settings(
        ["--port", "9001", "--token", "k1=admin", "--token", "k2=user", "--cors-origin", "http://a.test",
         "--latency", "20", "--jitter", "5", "--max-contacts", "10", "--log-format", "json",
         "--head-timeout", "2.5"]
    )  # fmt: skip
    assert settings.port == 9001
    assert dict(settings.tokens) == {"k1": "admin", "k2": "user"}
    assert settings.cors_origins == ("http://a.test",)
    assert (settings.latency_ms, settings.jitter_ms, settings.max_contacts) == (20, 5, 10)
    assert settings.log_format == "json"
    assert settings.head_timeout_s == 2.5


def test_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTACTS_MOCK_PORT", "9002")
    monkeypatch.setenv("CONTACTS_MOCK_TOKENS", "a=staff, b=user")
    monkeypatch.setenv("CONTACTS_MOCK_CORS_ORIGINS", "http://x.test,http://y.test")
    monkeypatch.setenv("CONTACTS_MOCK_MAX_CONTACTS", "5")
    monkeypatch.setenv("CONTACTS_MOCK_LATENCY", "7")
    settings, _ = parse_settings([])
    assert settings.port == 9002
    assert dict(settings.tokens) == {"a": "staff", "b": "user"}
    assert settings.cors_origins == ("http://x.test", "http://y.test")
    assert (settings.max_contacts, settings.latency_ms) == (5, 7)


def test_option_beats_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTACTS_MOCK_PORT", "9002")
    assert parse_settings(["--port", "9003"])[0].port == 9003


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--token", "nokey"], "--token: expected KEY=ROLE"),
        (["--token", "k=root"], "--token: expected KEY=ROLE"),
        (["--token", "k1=staff", "--token", "k1=user"], "--token: the same key is given for"),
        (["--token", "токен=staff"], "--token: a key must be non-empty, of visible ASCII"),
        (["--control-token", ""], "--control-token: a key must be non-empty"),
        (["--control-token", "a b"], "--control-token: a key must be non-empty"),
        (["--control-token", "staff-token"], "--control-token: it is also a key of --token"),
        (["--cors-origin", "http://127.0.0.1:5173/"], "did you mean http://127.0.0.1:5173?"),
        (["--port", "70000"], "--port: 70000 must be between 0 and 65535"),
        (["--port", "http"], "--port: 'http' is not a number"),
        (["--max-contacts", "0"], "must be at least 1"),
        (["--latency", "-1"], "between 0 and 600000"),
        (["--head-timeout", "0"], "between 0.1 and 3600 s"),
        (["--log-format", "xml"], "--log-format: 'xml' is not one of text, json"),
        (
            ["--store", "http://cache:6379"],
            "--store: expected memory or a redis:// or rediss:// URL",
        ),
        (["--store-prefix", "a{b}"], "no braces"),
        (["--store-timeout", "0"], "between 0.1 and 60 s"),
        (["--workers", "0"], "must be at least 1"),
        (["--workers", "2"], "--workers 2 needs a shared store (--store redis://...)"),
        (["--nope"], "unrecognized arguments"),
    ],
)
def test_bad_options_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_settings(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("contacts-mock: error: ")
    assert fragment in err


def test_bad_token_environment_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CONTACTS_MOCK_TOKENS", "k=root")
    with pytest.raises(SystemExit):
        parse_settings([])
    assert "CONTACTS_MOCK_TOKENS" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("CONTACTS_MOCK_PORT", "http", "CONTACTS_MOCK_PORT: 'http' is not a number"),
        ("CONTACTS_MOCK_WORKERS", "0", "CONTACTS_MOCK_WORKERS: 0 must be at least 1"),
        ("CONTACTS_MOCK_LOG_FORMAT", "xml", "CONTACTS_MOCK_LOG_FORMAT: 'xml' is not one of"),
        ("CONTACTS_MOCK_STORE", "mysql://db", "CONTACTS_MOCK_STORE: expected memory or a redis://"),
        ("CONTACTS_MOCK_CORS_ORIGINS", " , ", None),  # nothing in it: the default
    ],
)
def test_bad_environment_variables_exit_2_naming_them(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    value: str,
    fragment: str | None,
) -> None:
    monkeypatch.setenv(name, value)
    if fragment is None:
        assert parse_settings([])[0].cors_origins == ("*",)
        return
    with pytest.raises(SystemExit) as exit_info:
        parse_settings([])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert fragment in err


def test_real_process_serves_the_contract_and_stops_on_ctrl_c() -> None:
    with running_mock() as mock:
        with httpx.Client(base_url=mock.base_url, timeout=10) as client:
            created = client.post(
                "/api/contacts/",
                json={"subject": "real"},
                headers={"Authorization": "Token staff-token"},
            )
            assert created.status_code == 201
            assert created.json()["id"] == 1
            assert client.post("/api/contacts", json={"subject": "x"}).status_code == 401
            assert client.get("/__mock__/health").json() == {"status": "ok", "contacts": 1}
        stop(mock.process)
    assert mock.process.returncode == 0
    assert "Traceback" not in "".join(mock.stderr)


def test_banner_lists_urls_and_tokens() -> None:
    with running_mock() as mock:
        pass
    banner = "".join(mock.stdout)
    assert f"{mock.base_url}/api/ui/" in banner
    assert "staff-token (staff)" in banner
    assert "user-token (user)" in banner


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(mock_command(*args), capture_output=True, text=True, timeout=60)


def test_port_in_use_is_one_clear_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run(["--port", str(port)])
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert (
        lines[0]
        == f"contacts-mock: error: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


def test_unreadable_seed_file_is_one_clear_line(tmp_path: Path) -> None:
    result = _run(["--seed-file", str(tmp_path / "missing.json")])
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"contacts-mock: error: cannot read seed file {tmp_path / 'missing.json'}: No such file or directory"
    ]


def test_invalid_seed_file_is_one_clear_line(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps([{"id": 1}]))
    result = _run(["--seed-file", str(seed)])
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"contacts-mock: error: seed file {seed}, item 0:")


def test_json_logs_are_json_lines() -> None:
    with running_mock("--log-format", "json") as mock:
        httpx.post(f"{mock.base_url}/api/contacts/", json={"subject": "x"}, timeout=10)
    lines = [line for line in "".join(mock.stderr).splitlines() if line.strip()]
    assert lines
    records = [json.loads(line) for line in lines]
    assert {"time", "level", "logger", "message"} <= set(records[0])


def test_unreachable_redis_is_one_clear_line_without_the_password() -> None:
    url = f"redis://:hunter2@127.0.0.1:{free_port()}/0"
    result = _run(["--store", url, "--store-timeout", "1"])
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    masked = url.replace("hunter2", "***")
    assert lines[0].startswith(f"contacts-mock: error: cannot use the store: Redis at {masked}")
    assert "hunter2" not in result.stderr + result.stdout


NO_CONTROL_TOKEN = "no --control-token: anyone who can reach"


@pytest.mark.parametrize(
    ("host", "control_token", "warned"),
    [("0.0.0.0", None, True), ("192.0.2.10", None, True), ("mock.internal", None, True),
     ("0.0.0.0", "ctl-secret-9", False), ("127.0.0.1", None, False), ("::1", None, False),
     ("localhost", None, False)],
)  # fmt: skip
def test_banner_warns_when_anyone_can_reach_the_admin_api(
    host: str, control_token: str | None, warned: bool
) -> None:
    settings = Settings(host=host, control_token=control_token)
    text = banner(settings, create_app(settings), "http://mock.test:8000", None)
    warnings = [line for line in text.splitlines() if NO_CONTROL_TOKEN in line]
    assert len(warnings) == int(warned)
    if warned:
        assert f"reach {host} can read and reset its data" in warnings[0]
    assert "Store:       memory" in text
    if control_token:
        assert control_token not in text


def test_help_shows_defaults_and_describes_the_log_options(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        parse_settings(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "[CONTACTS_MOCK_PORT] (default: 8000)" in text
    assert "[CONTACTS_MOCK_HOST] (default: 127.0.0.1)" in text
    for name, choices, default in (
        ("log-format", "{text,json}", "text"),
        ("log-level", "{debug,info,warning,error}", "info"),
    ):
        variable = f"CONTACTS_MOCK_{name.replace('-', '_').upper()}"
        described = re.search(
            rf"--{name} {re.escape(choices)} (.*?) ?\[{variable}\] \(default: {default}\)", text
        )
        assert described is not None, name
        assert described.group(1), f"--{name} has no description"


def test_banner_names_the_admin_api_spec() -> None:
    settings = Settings()
    text = banner(settings, create_app(settings), "http://mock.test:8000", None)
    assert "http://mock.test:8000/__mock__/openapi.yaml" in text
