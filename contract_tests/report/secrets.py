"""Keys never shown: each key of a run stands as an environment variable in the commands
a report gives, and a key that resembles one as a shell expression of that variable."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from contacts_core.tokens import LookAlike, look_alikes
from contract_tests.config import ENV_PREFIX
from contract_tests.model import Keys
from contract_tests.report.quoting import double_quoted, single_quoted


@dataclass(frozen=True)
class Secrets:
    """The keys of a run and the environment variables that stand in for them: key ->
    variable. A key that resembles one of them (`contacts_core.tokens.look_alikes`) is shown as a
    shell expression of its variable, never as it is."""

    keys: dict[str, str]
    show: bool = False
    roles: dict[str, str] = field(default_factory=dict)
    """Variable -> the kind of key it holds, in words: to say what to export."""

    def exports(self) -> str:
        """How to set the variables the commands read, by role, never a key; "" when the
        commands show the keys (--show-token) or need none."""
        if self.show or not self.keys:
            return ""
        variables = sorted(set(self.keys.values()))
        return "export " + " ".join(
            f"{v}={single_quoted(self.roles.get(v, '<the key>'))}" for v in variables
        )

    def header(self, name: str, value: str) -> str:
        if not self.show:
            scheme, _, sent = value.partition(" ")
            for key, variable in self.keys.items():
                alike = next((a for a in _look_alikes(key) if a.key == sent), None)
                if alike is not None:
                    shown = double_quoted(f"{name}: {scheme} ")[:-1]
                    return f'{shown}{alike.expression(variable)}"'
            for key, variable in self.keys.items():
                if key in value:
                    # NUL never occurs in a header: it marks where the variable goes.
                    marked = double_quoted(f"{name}: {value}".replace(key, "\0"))
                    return marked.replace("\0", "${" + variable + "}")
        return single_quoted(f"{name}: {value}")


@cache
def _look_alikes(key: str) -> list[LookAlike]:
    return look_alikes(key)


def key_secrets(keys: Keys, show: bool = False) -> Secrets:
    """The keys given, each with the environment variable that stands in for it."""
    given = (
        (keys.token, "TOKEN", "<a staff key>"),
        (keys.admin, "ADMIN_TOKEN", "<an admin key>"),
        (keys.non_staff, "NON_STAFF_TOKEN", "<a key without the Staff or Admin role>"),
    )
    variables = {key: ENV_PREFIX + name for key, name, _ in given if key}
    roles = {ENV_PREFIX + name: role for key, name, role in given if key}
    return Secrets(variables, show, roles)
