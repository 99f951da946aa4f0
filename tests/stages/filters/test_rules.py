"""Rule names, disable and overrides over a profile."""

from curator.text.profiles import LanguageProfile
from curator.text.rules import FAMILIES, apply_config, config_problems


def test_disable_a_family_and_override_a_threshold():
    base = LanguageProfile(language="deu_Latn")
    profile = apply_config(base, ["gopher_repetition", "min_stop_words"], {"min_doc_words": 30})
    assert all(getattr(profile, rule) in (None, []) for rule in FAMILIES["gopher_repetition"])
    assert profile.min_stop_words is None and profile.min_doc_words == 30
    assert profile.line_punct_thr == base.line_punct_thr


def test_unknown_names_and_bad_values_are_reported_with_the_key():
    base = LanguageProfile(language="deu_Latn")
    problems = config_problems(["dup_lines"], {"min_words": 3}, base)
    assert [key for key, _ in problems] == ["disable", "overrides"]
    assert "dup_line_frac" in problems[0][1]  # the message lists the names that exist
    (problem,) = config_problems([], {"top_n_grams": "many"}, base)
    assert problem[0] == "overrides" and "top_n_grams" in problem[1]
