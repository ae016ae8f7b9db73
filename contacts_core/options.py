"""Command-line options and their environment variables: one table, read one way.

contacts-mock, contacts-contract and its proxy each describe their options as a table of
`Option`s; argparse (or pytest) only collects the text given, and `resolve` parses it: an
option beats its environment variable, which beats the default. Every parser takes text and
raises ValueError with a readable message, which `resolve` prefixes with the option or the
variable it came from.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import SplitResult, urlsplit

from contacts_core.tokens import KNOWN_ROLES


class ConfigError(Exception):
    """A wrong option or environment variable (exit code 2); the message is one line."""


@dataclass(frozen=True)
class Option:
    """`--name` and its environment variable, <prefix><ENV> (ENV: the setting's name, upper-case)."""

    name: str
    parse: Callable[[str], Any] = str
    help: str = ""
    metavar: str | None = None
    default: str | None = None
    """As it would be typed; parsed like a given value."""
    flag: bool = False
    """`--name` alone means yes; its variable holds yes or no (1/0, true/false, on/off)."""
    separator: str | None = None
    """Repeatable: given several times, its variable holds the values separated by this."""
    choices: tuple[str, ...] | None = None
    collect: Callable[[Iterable[Any]], Any] = tuple
    """Repeatable: what its values make together (a table of keys, say); a tuple by default."""
    setting: str | None = None
    """The settings field it sets, when not the name's."""
    env: str | None = None
    """The variable's suffix, when not the setting's name."""

    @property
    def dest(self) -> str:
        return self.setting or self.name.replace("-", "_")

    @property
    def flag_name(self) -> str:
        return "--" + self.name

    def variable(self, prefix: str) -> str:
        return prefix + (self.env or self.dest.upper())

    def value(self, text: str) -> Any:
        if self.choices is not None and text not in self.choices:
            raise ValueError(f"{text!r} is not one of {', '.join(self.choices)}")
        return yes_no(text) if self.flag else self.parse(text)

    def values(self, texts: list[str]) -> Any:
        """A repeatable option's values, collected (none: empty); another's value (none:
        None, or False for a flag)."""
        if self.separator is not None:
            return self.collect(self.value(text) for text in texts)
        if not texts:
            return False if self.flag else None
        return self.value(texts[-1])

    def split(self, text: str) -> list[str]:
        """The texts a variable (or a default) holds; empty holds none."""
        if self.separator is None:
            return [text] if text else []
        return [item.strip() for item in text.split(self.separator) if item.strip()]


def argument(option: Option, prefix: str) -> dict[str, Any]:
    """The keyword arguments of argparse's (and pytest's) add_argument for the option: it
    collects text only, left to `resolve`; the help names the environment variable."""
    variable = option.variable(prefix)
    help_parts = [option.help]
    action = "store_true" if option.flag else "store"
    if option.separator is not None:
        sep = option.separator
        help_parts.append("(repeatable)")
        variable += ", comma-separated" if sep == "," else f", separated by {sep!r}"
        action = "append"
    help_parts.append(f"[{variable}]")
    if option.default:
        help_parts.append(f"(default: {option.default})")
    kwargs: dict[str, Any] = {
        "dest": option.dest,
        "default": None,
        "action": action,
        "help": " ".join(filter(None, help_parts)),
    }
    if not option.flag:
        choices = option.choices and "{" + ",".join(option.choices) + "}"
        kwargs["metavar"] = choices or option.metavar
    return kwargs


class Parser(argparse.ArgumentParser):
    """An argparse parser of a table of options, with --version; its errors are one line,
    `prog: error: message`, exit code 2."""

    def __init__(
        self, options: Sequence[Option], prefix: str, version: str, description: str, prog: str
    ) -> None:
        every = f"Every option can also be set with an environment variable {prefix}<NAME>."
        super().__init__(prog=prog, description=f"{description} {every}")
        self.options, self.prefix = options, prefix
        for option in options:
            self.add_argument(option.flag_name, **argument(option, prefix))
        self.add_argument("--version", action="version", version=f"%(prog)s {version}")

    def values(self, args: argparse.Namespace) -> dict[str, Any]:
        """`resolve` of the parsed text and the environment; exits when a value is wrong."""
        try:
            return resolve(self.options, vars(args), os.environ, self.prefix)
        except ConfigError as error:
            self.error(str(error))

    def error(self, message: str) -> NoReturn:
        # No usage dump: the message names the option.
        self.exit(2, f"{self.prog}: error: {message}\n")


def resolve(
    options: Iterable[Option], given: Mapping[str, Any], environ: Mapping[str, str], prefix: str
) -> dict[str, Any]:
    """Each option's value by its dest: the option's text as given (None, False or an empty
    list: not given), else its environment variable's (empty: unset), else its default's.
    Unset: () for a repeatable option, False for a flag, None for any other.

    Raises ConfigError naming the option or the variable that is wrong.
    """
    resolved: dict[str, Any] = {}
    for option in options:
        texts: list[str] = []
        source = option.flag_name
        value = given.get(option.dest)
        if value is True:
            texts = ["yes"]
        elif isinstance(value, str):
            texts = [value]
        elif isinstance(value, list):
            texts = value
        if not texts:
            source = option.variable(prefix)
            texts = option.split(environ.get(source, ""))
        if not texts and option.default is not None:
            texts = option.split(option.default)
        try:
            resolved[option.dest] = option.values(texts)
        except ValueError as error:
            raise ConfigError(f"{source}: {error}") from None
    return resolved


# --- value parsers: text in, a value out, or ValueError with a readable message -----------


def number(
    kind: type[int] | type[float],
    low: float,
    high: float = math.inf,
    *,
    above: bool = False,
    unit: str = "",
) -> Callable[[str], Any]:
    """A parser of numbers of `kind` from `low` (or above it) up to `high`."""

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a number") from None
        if value < low or (above and value == low) or value > high or math.isnan(value):
            lowest = f"more than {_shown(low)}" if above else f"at least {_shown(low)}"
            if high == math.inf:
                bounds = lowest
            elif above:
                bounds = f"{lowest} and at most {_shown(high)}"
            else:
                bounds = f"between {_shown(low)} and {_shown(high)}"
            raise ValueError(f"{text} must be {bounds}{unit}")
        return value

    return parse


def _shown(bound: float) -> str:
    """A bound as a user would write it: 104857600, not 1.04858e+08."""
    return str(int(bound)) if float(bound).is_integer() else f"{bound:g}"


port = number(int, 0, 65535)


def url(text: str) -> str:
    """An http:// or https:// base URL, without a trailing slash: refused here, not when the
    first request cannot be sent (or is sent with credentials the run did not choose)."""
    try:
        parts = urlsplit(text)
    except ValueError:  # an IPv6 address's [ not closed
        raise ValueError(f"{text!r} is not an http:// or https:// URL") from None
    if "@" in parts.netloc:
        # The text is not shown: it holds a password. Clients send a URL's user name and
        # password as Authorization: Basic, in place of the key the run chose.
        raise ValueError(
            "a URL with a user name or password is refused: clients would send them as "
            "Authorization: Basic, in place of the keys"
        )
    if _spaced(text):
        raise ValueError(f"{text!r} has a space or a control character in it")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{text!r} is not an http:// or https:// URL")
    if parts.hostname.startswith((".", "*")) or ".." in parts.hostname:
        raise ValueError(f"{text!r}: {parts.hostname!r} is not a host name")
    if _port(parts) is None:
        raise ValueError(f"{text!r}: a port is a number from 1 to 65535")
    if parts.query or parts.fragment:
        raise ValueError(f"{text!r} must not have a query or a fragment")
    return text.rstrip("/")


def _spaced(text: str) -> bool:
    return any(c.isspace() or not c.isprintable() for c in text)


def _port(parts: SplitResult) -> int | None:
    """A URL's port (0: none given), or None when it is no port to connect to (not a
    number, 0, over 65535, or `host:` with nothing after)."""
    try:
        value = parts.port
    except ValueError:
        return None
    if ":" not in parts.netloc.rpartition("]")[2]:
        return 0
    return value or None


def origin(text: str) -> str:
    """A browser origin as the Origin header carries it, scheme://host[:port] with nothing
    after, or `*` (any). CORS compares origins as text: another spelling never matches."""
    if text == "*":
        return text
    meant = _origin_of(text)
    if meant == text:
        return text
    hint = f"; did you mean {meant}?" if meant else ""
    raise ValueError(
        f"{text!r} is not an origin: give scheme://host[:port] with nothing after, as a "
        f"browser sends it (or * for any){hint}"
    )


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_of(text: str) -> str | None:
    """The origin a browser sends from a page at this URL, or None when it is no URL."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    given = _port(parts)
    if given is None or not parts.scheme or not parts.hostname or "@" in parts.netloc:
        return None
    if _spaced(text):
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    suffix = f":{given}" if given and given != _DEFAULT_PORTS.get(parts.scheme) else ""
    return f"{parts.scheme}://{host}{suffix}"


def yes_no(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("", "0", "false", "no", "off"):
        return False
    raise ValueError(f"{text!r} is not a yes/no value")


def key(text: str) -> str:
    """An API key as sent in `Authorization: Token <key>`: one word of visible ASCII, what
    every HTTP client can put in a header as given and every server reads back the same."""
    if not text or not all("!" <= c <= "~" for c in text):
        # The text is not shown: it is a key.
        raise ValueError("a key must be non-empty, of visible ASCII characters, without spaces")
    return text


def key_role(text: str) -> tuple[str, str]:
    """KEY=ROLE, a key (as `key` demands) and one of the roles the mock knows."""
    name, sep, role = text.partition("=")
    if not sep or role not in KNOWN_ROLES:
        # The text is not shown: it holds a key.
        raise ValueError(f"expected KEY=ROLE with ROLE one of {', '.join(KNOWN_ROLES)}")
    return key(name), role


def key_table(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Key -> role, from (key, role) pairs; the same key with two roles is refused, rather
    than the last one winning unseen. The same key twice with one role is kept once."""
    table: dict[str, str] = {}
    for name, role in pairs:
        if table.setdefault(name, role) != role:
            raise ValueError(f"the same key is given for {table[name]} and for {role}")
    return table
