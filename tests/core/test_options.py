"""The option table every command line is built on: precedence, lists, flags, errors."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest

from contacts_core.options import (
    ConfigError,
    Option,
    Parser,
    key,
    key_role,
    key_table,
    number,
    origin,
    port,
    resolve,
    url,
    yes_no,
)

PREFIX = "APP_"
TABLE = (
    Option("port", port, "port", "PORT", default="8000"),
    Option("rate", number(float, 0, above=True), "requests per second", "R"),
    Option(
        "token",
        key_role,
        "a key and its role",
        "KEY=ROLE",
        separator=",",
        collect=key_table,
        setting="tokens",
    ),
    Option("cases", Path, "case files", "PATH", separator=os.pathsep),
    Option("strict", flag=True, help="refuse what breaks the contract"),
    Option("log-format", default="text", choices=("text", "json")),
    Option("latency", number(float, 0, 10, unit=" ms"), setting="latency_ms", env="DELAY"),
)


def parsed(argv: list[str], environ: dict[str, str] | None = None) -> dict[str, Any]:
    parser = Parser(TABLE, PREFIX, "1.2.3", "An app.", prog="app")
    with patch.dict(os.environ, environ or {}):
        return parser.values(parser.parse_args(argv))


def test_nothing_given_gives_the_defaults_and_empty_values() -> None:
    assert parsed([]) == {
        "port": 8000,
        "rate": None,
        "tokens": {},
        "cases": (),
        "strict": False,
        "log_format": "text",
        "latency_ms": None,
    }


def test_an_option_beats_its_variable_which_beats_the_default() -> None:
    environ = {"APP_PORT": "9001", "APP_RATE": "2.5", "APP_DELAY": "3"}
    assert parsed(["--port", "9002"], environ)["port"] == 9002
    assert parsed([], environ)["port"] == 9001
    assert parsed([], {"APP_PORT": ""})["port"] == 8000  # empty: unset
    assert parsed([], environ)["rate"] == 2.5
    # A setting named apart from its option, and a variable named apart from its setting.
    assert parsed(["--latency", "1"], environ)["latency_ms"] == 1.0
    assert parsed([], environ)["latency_ms"] == 3.0


def test_repeatable_options_and_their_separators() -> None:
    given = parsed(["--token", "a=staff", "--token", "b=user", "--cases", "x.jsonl"])
    assert given["tokens"] == {"a": "staff", "b": "user"}
    assert given["cases"] == (Path("x.jsonl"),)
    environ = {"APP_TOKENS": " a=admin, ,b=user ", "APP_CASES": os.pathsep.join(["one", "two"])}
    from_environment = parsed([], environ)
    assert from_environment["tokens"] == {"a": "admin", "b": "user"}
    assert from_environment["cases"] == (Path("one"), Path("two"))
    # Given on the command line, the list replaces the variable's, not adds to it.
    assert parsed(["--token", "c=staff"], environ)["tokens"] == {"c": "staff"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("yes", True), ("1", True), ("ON", True), ("true", True),
     ("no", False), ("0", False), ("off", False), ("False", False)],
)  # fmt: skip
def test_flags_take_yes_no_values_from_their_variable(text: str, expected: bool) -> None:
    assert parsed([], {"APP_STRICT": text})["strict"] is expected
    assert parsed(["--strict"], {"APP_STRICT": text})["strict"] is True


@pytest.mark.parametrize(
    ("argv", "environ", "message"),
    [
        (["--port", "70000"], {}, "--port: 70000 must be between 0 and 65535"),
        (["--port", "http"], {}, "--port: 'http' is not a number"),
        ([], {"APP_PORT": "-1"}, "APP_PORT: -1 must be between 0 and 65535"),
        ([], {"APP_RATE": "0"}, "APP_RATE: 0 must be more than 0"),
        (["--latency", "11"], {}, "--latency: 11 must be between 0 and 10 ms"),
        ([], {"APP_DELAY": "nan"}, "APP_DELAY: nan must be between 0 and 10 ms"),
        (
            ["--token", "k=root"],
            {},
            "--token: expected KEY=ROLE with ROLE one of staff, admin, user",
        ),
        ([], {"APP_TOKENS": "a=staff,k"}, "APP_TOKENS: expected KEY=ROLE with ROLE one of"),
        (
            ["--token", "k=staff", "--token", "k=user"],
            {},
            "--token: the same key is given for staff and for user",
        ),
        ([], {"APP_TOKENS": "k=admin,k=user"}, "APP_TOKENS: the same key is given for admin"),
        ([], {"APP_STRICT": "maybe"}, "APP_STRICT: 'maybe' is not a yes/no value"),
        (["--log-format", "xml"], {}, "--log-format: 'xml' is not one of text, json"),
        ([], {"APP_LOG_FORMAT": "xml"}, "APP_LOG_FORMAT: 'xml' is not one of text, json"),
    ],
)
def test_a_wrong_value_is_one_line_naming_the_option_or_the_variable(
    capsys: pytest.CaptureFixture[str], argv: list[str], environ: dict[str, str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parsed(argv, environ)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"app: error: {message}")
    assert err.count("\n") == 1


def test_a_wrong_key_is_not_shown() -> None:
    with pytest.raises(ConfigError) as error:
        resolve(TABLE, {"tokens": ["s3cret-key=root"]}, {}, PREFIX)
    assert "s3cret-key" not in str(error.value)


def test_help_names_each_variable_and_separator(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "300")  # one line per option
    with pytest.raises(SystemExit):
        parsed(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "port [APP_PORT] (default: 8000)" in text
    assert "--log-format {text,json} [APP_LOG_FORMAT] (default: text)" in text
    assert "requests per second [APP_RATE]" in text
    assert "[APP_RATE] (default" not in text
    assert "a key and its role (repeatable) [APP_TOKENS, comma-separated]" in text
    assert f"case files (repeatable) [APP_CASES, separated by {os.pathsep!r}]" in text
    assert "--strict refuse what breaks the contract [APP_STRICT]" in text
    assert "--log-format {text,json} [APP_LOG_FORMAT]" in text
    assert "[APP_DELAY]" in text
    assert "An app. Every option can also be set with an environment variable APP_<NAME>." in text


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        parsed(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == "app 1.2.3\n"


def test_value_parsers() -> None:
    assert url("https://api.test/base/") == "https://api.test/base"
    assert url("http://[::1]:8000/") == "http://[::1]:8000"
    for bad in ("ftp://api.test", "http://", "http://api.test/?q=1", "http://api.test/#top"):
        with pytest.raises(ValueError, match=r"URL|query"):
            url(bad)
    assert (yes_no(""), yes_no(" Yes ")) == (False, True)
    assert key("k3y") == "k3y"
    assert key_role("k=admin") == ("k", "admin")
    for bad in ("k", "k=a=admin", "k=root"):
        with pytest.raises(ValueError, match="expected KEY=ROLE"):
            key_role(bad)


def test_a_bound_is_shown_as_written() -> None:
    with pytest.raises(ValueError, match=r"^0 must be between 1 and 104857600$"):
        number(int, 1, 100 * 1024 * 1024)("0")
    with pytest.raises(ValueError, match=r"^9 must be between 0.5 and 2.5$"):
        number(float, 0.5, 2.5)("9")


@pytest.mark.parametrize("text", ["", "a key", "a\tkey", "токен", "clé", "key\x7f"])
def test_a_key_is_one_word_of_visible_ascii(text: str) -> None:
    # What an HTTP client can send in a header as given and a server reads back the same.
    message = "a key must be non-empty, of visible ASCII characters, without spaces"
    with pytest.raises(ValueError, match=message):
        key(text)
    with pytest.raises(ValueError, match=message):
        key_role(f"{text}=staff")
    assert key("!K3y~=.-_") == "!K3y~=.-_"


def test_a_key_table_refuses_one_key_with_two_roles_and_keeps_one_given_twice() -> None:
    assert key_table([("a", "staff"), ("b", "user"), ("a", "staff")]) == {"a": "staff", "b": "user"}
    with pytest.raises(ValueError, match=r"^the same key is given for staff and for user$"):
        key_table([("a", "staff"), ("b", "admin"), ("a", "user")])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("http://127.0.0.1:99999", "a port is a number from 1 to 65535"),
        ("http://127.0.0.1:abc", "a port is a number from 1 to 65535"),
        ("http://127.0.0.1:0", "a port is a number from 1 to 65535"),
        ("http://127.0.0.1:", "a port is a number from 1 to 65535"),
        ("http://127.0.0.1:18000 ", "has a space or a control character in it"),
        (" http://127.0.0.1:18000", "has a space or a control character in it"),
        ("http://api .test", "has a space or a control character in it"),
        ("http://api.test/\n", "has a space or a control character in it"),
        ("http://.api.test", "'.api.test' is not a host name"),
        ("http://[::1", "is not an http:// or https:// URL"),
    ],
)
def test_a_url_no_client_can_send_to_is_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        url(text)


@pytest.mark.parametrize(
    "text", ["http://u:s3cret@api.test", "https://u@api.test/", "http://@api.test"]
)
def test_a_url_with_user_info_is_refused_without_showing_it(text: str) -> None:
    # A client would send it as Authorization: Basic, in place of the keys given.
    with pytest.raises(ValueError, match="user name or password") as error:
        url(text)
    assert "s3cret" not in str(error.value)


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("http://127.0.0.1:5173/", "http://127.0.0.1:5173"),
        ("https://app.test/contact?x=1", "https://app.test"),
        ("HTTP://App.Test", "http://app.test"),
        ("https://app.test:443", "https://app.test"),
        ("http://[::1]:5173/", "http://[::1]:5173"),
        ("not an origin", None),
        ("app.test:5173", None),
        ("http://u@app.test", None),
        ("", None),
    ],
)
def test_an_origin_is_scheme_host_and_port_as_a_browser_sends_it(
    text: str, meant: str | None
) -> None:
    # CORS compares origins as text: another spelling would refuse every preflight.
    hint = f"; did you mean {meant}?" if meant else ""
    expected = (
        f"{text!r} is not an origin: give scheme://host[:port] with nothing after, "
        f"as a browser sends it (or * for any){hint}"
    )
    with pytest.raises(ValueError, match="is not an origin") as error:
        origin(text)
    assert str(error.value) == expected
    for good in ("*", "http://127.0.0.1:5173", "https://app.test", "http://[::1]:5173"):
        assert origin(good) == good
