"""Errors a user can act on. The CLI prints them one line each and exits with code 2."""


class CuratorError(Exception):
    """A problem with the user's input, config or environment (not a bug in curator)."""

    exit_code = 2


class ConfigError(CuratorError):
    """One or more config problems, each 'key.path: what is wrong'."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))
