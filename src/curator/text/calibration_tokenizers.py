"""Which datatrove word tokenizer a profile names, checked to work offline.

datatrove assigns a tokenizer to every language (assets/tokenizer_assignment.csv). Two of its
classes fetch models on first use (Stanza's models, botok's dialect pack) and so cannot run here;
a language assigned to one of them, or to none, gets spaCy's language-independent tokenizer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from datatrove.utils.word_tokenizers import load_tokenizer_assignments, load_word_tokenizer

from curator.core.errors import CuratorError

# datatrove tokenizer classes that download their model at first use (never offline)
NEEDS_DOWNLOAD = frozenset({"StanzaTokenizer", "TibetanTokenizer"})
# datatrove's key for spaCy's multilingual "xx" tokenizer (split on spaces and punctuation)
FALLBACK_TOKENIZER = "und_Cyrl"
_PROBE = "Probe text, 2 words."


@dataclass(frozen=True)
class TokenizerChoice:
    key: str  # what the profile's `tokenizer:` says
    description: str  # e.g. "SpaCyTokenizer(zh)"
    fallback_reason: str | None = None


def _describe(key: str) -> tuple[str, str]:
    factory = load_tokenizer_assignments()[key]
    class_name, arg = factory.args  # functools.partial(tok_factory_wrapper, class_name, arg)
    return class_name, f"{class_name}({arg})" if arg else class_name


@cache
def offline_tokenizer(language: str) -> TokenizerChoice:
    """The tokenizer key to write into `language`'s profile.

    A tokenizer whose Python package is missing is an install problem, not a reason to fall back:
    it raises, naming the package.
    """
    if language not in load_tokenizer_assignments():
        reason = "datatrove assigns no tokenizer to this language"
    else:
        class_name, description = _describe(language)
        if class_name not in NEEDS_DOWNLOAD:
            try:
                load_word_tokenizer(language).word_tokenize(_PROBE)
            except ImportError as e:
                raise CuratorError(
                    f"word tokenizer of {language} ({description}) is not installed: {e}"
                ) from None
            return TokenizerChoice(language, description)
        reason = f"{description} downloads its model on first use"
    return TokenizerChoice(FALLBACK_TOKENIZER, _describe(FALLBACK_TOKENIZER)[1], reason)
