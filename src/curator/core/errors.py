"""Errors a user can act on. The CLI prints them one line each and exits with code 2."""

from __future__ import annotations

from pydantic import ValidationError


class CuratorError(Exception):
    """A problem with the user's input, config or environment (not a bug in curator)."""

    exit_code = 2


class ConfigError(CuratorError):
    """One or more config problems, each 'key.path: what is wrong'."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def format_loc(loc: tuple | list) -> str:
    """('stages', 2, 'filters', 'profiles') -> 'stages[2].filters.profiles'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "<root>"


def pydantic_problems(err: ValidationError, prefix: tuple = ()) -> list[str]:
    problems = []
    for e in err.errors():
        loc = prefix + tuple(p for p in e["loc"] if p not in ("function-after", "function-before"))
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling; `curator validate --help` lists the schema)"
        elif e["type"] == "missing":
            msg = "required key is missing"
        elif e["type"] == "value_error":  # our own validators: the message says it all
            msg = msg.removeprefix("Value error, ")
        elif "input" in e and e["type"] not in ("missing",):
            msg = f"{msg} (got {e['input']!r})"
        problems.append(f"{format_loc(loc)}: {msg}")
    return problems
