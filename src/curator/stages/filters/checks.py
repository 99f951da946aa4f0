"""What `curator validate` checks for the filters block, before any document is read."""

from __future__ import annotations

from importlib.util import find_spec

from curator.core.errors import ConfigError
from curator.core.names import UNDETERMINED_LANGUAGE
from curator.text.profiles import check_profiles_dir, load_profile, profiles_dir
from curator.text.rules import apply_config, config_problems
from curator.text.tokenizers import tokenizer_problem


def filter_problems(params, profiles: str | None) -> list[tuple[str, str]]:
    """(param key, message) for everything that would make the filters fail or remove everything."""
    problems: list[tuple[str, str]] = []
    dir_problem = check_profiles_dir(profiles)
    if dir_problem:
        return [("profiles", dir_problem)]
    try:
        default = load_profile(UNDETERMINED_LANGUAGE, profiles)
    except ConfigError as e:
        return [("profiles", p) for p in e.problems]
    problems += config_problems(params.disable, params.overrides, default)
    if problems:
        return problems
    for path in sorted(profiles_dir(profiles).glob("*.yaml")):
        language = path.stem if path.stem != "default" else UNDETERMINED_LANGUAGE
        try:
            profile = apply_config(load_profile(language, profiles), params.disable, params.overrides)
        except ConfigError as e:
            problems += [("profiles", p) for p in e.problems]
            continue
        if profile.min_stop_words and not profile.stopwords:
            problems.append(
                (
                    "profiles",
                    f"{path}: min_stop_words is {profile.min_stop_words} but the profile has no "
                    "stopwords, so every document would be removed: add stopwords or set min_stop_words: null",
                )
            )
        if profile.tokenizer and (problem := tokenizer_problem(profile.tokenizer)):
            problems.append(
                ("profiles", f"{path}: tokenizer '{profile.tokenizer}' cannot be loaded: {problem}")
            )
    needed = [
        ("tldextract", params.url_filter),
        ("ahocorasick", params.url_filter),
        ("ftfy", params.formatters.ftfy),
    ]
    for module, used in needed:
        if used and find_spec(module) is None:
            problems.append(("", f"python package '{module}' is missing: reinstall curator (`make install`)"))
    return problems
