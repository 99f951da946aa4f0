"""Page language from content-weighted segments (page.py) on real lid-dev text."""

from datatrove.data import Document

from curator.stages.lid.engines import lid_input, make_engine
from curator.stages.lid.page import LETTER_RUN, WORD_PUNCT, _is_word, content_weight, identify_page
from curator.stages.lid.step import LanguageIdFilter
from tests.conftest import shared_data

# real commands and paths of the kind Chinese/Japanese technical pages quote between their lines
COMMANDS = [
    "sudo apt-get update && sudo apt-get install -y python3-pip",
    "pip install numpy==1.26.4 pandas --user",
    "export PATH=$HOME/.local/bin:$PATH",
    "git clone https://github.com/pandas-dev/pandas.git",
]


def lines(code: str, n: int, start: int = 0) -> list[str]:
    return shared_data(f"lid-dev/{code}.txt").read_text(encoding="utf-8").splitlines()[start : start + n]


def test_weights_count_language_not_letters():
    assert content_weight("这是一个测试") == 6  # one Han character ~ one Latin word
    assert content_weight("this is a short test") == 5
    assert content_weight("ภาษาไทยเป็นภาษาที่สวยงาม") == 6  # Thai: 4 characters a word
    for command in COMMANDS:  # a command line carries little
        assert content_weight(command) < 1
    # 3 words; a URL, a path and a number: 0.1 each
    assert abs(content_weight("see https://example.org/a/b.html and /etc/hosts for 2024") - 3.3) < 1e-9


def _word_by_definition(token: str) -> bool:
    """A word as page.py defines it: stripped of surrounding punctuation and of inner ' ’ -, letters
    and marks only (the way it was computed before one regex did it)."""
    core = token.strip(WORD_PUNCT).replace("'", "").replace("’", "").replace("-", "")
    return bool(core) and (core.isalpha() or (not core.isascii() and LETTER_RUN.fullmatch(core) is not None))


def test_the_word_regex_is_the_definition_on_real_tokens():
    tokens = {
        "'tis",
        "rock-'n'-roll",
        "«Bonjour»",
        "(l’été)",
        "--",
        "'-'",
        "a.b",
        "x1",
        "C++",
        "हिन्दी",
        "¿Qué?",
    }
    for code in ("eng", "fra", "deu", "hin", "ara", "rus", "tam", "vie", "tur", "kat"):
        tokens.update(token for line in lines(code, 300) for token in line.split())
    assert len(tokens) > 10_000
    differing = [t for t in tokens if _is_word(t) != _word_by_definition(t)]
    assert not differing, differing[:10]
    assert _is_word("rock-'n'-roll") and _is_word("«Bonjour»") and _is_word("हिन्दी")
    assert not _is_word("--") and not _is_word("a.b") and not _is_word("x1")
    # hostile tokens: a million quotes (every split of them between two runs would take hours)
    assert not _is_word("'" * 1_000_000 + "1") and _is_word("'" * 1_000_000 + "a" + "." * 1_000_000)


ENGINE = None


def engine():
    global ENGINE
    ENGINE = ENGINE or make_engine("ensemble")
    return ENGINE


def test_chinese_technical_page_keeps_its_language_and_a_high_score():
    zho = lines("zho", 8, 100)
    page = []
    for i, sentence in enumerate(zho):  # Chinese prose with inline English names and command lines
        page.append(f"{sentence[:20]} Python 3.12 和 numpy {sentence[20:]}")
        page.append(COMMANDS[i % len(COMMANDS)])
    text = "\n".join(page)
    before = engine().predict(lid_input(text), 3)
    result = identify_page(engine(), text)
    assert result.prediction[0][0] == "cmn_Hani"
    assert result.prediction[0][1] >= 0.9
    assert result.prediction[0][1] > before[0][1]  # read at once, the English pulls the score down
    assert result.mix[0][0] == "cmn_Hani" and result.mix[0][1] >= 0.9


def test_a_page_split_between_two_languages_gets_a_low_score():
    zho, eng = lines("zho", 6, 200), lines("eng", 40, 200)
    target = sum(map(content_weight, zho))
    english, weight = [], 0.0
    for line in eng:  # English lines until they hold as much content as the Chinese ones
        if weight >= target:
            break
        english.append(line)
        weight += content_weight(line)
    page = [x for pair in zip(zho, english[: len(zho)], strict=False) for x in pair] + english[len(zho) :]
    result = identify_page(engine(), "\n".join(page))
    assert result.prediction[0][1] < 0.6
    shares = dict(result.mix)
    assert set(shares) == {"cmn_Hani", "eng_Latn"}
    assert abs(shares["cmn_Hani"] - 0.5) < 0.12


def test_pure_pages_score_as_before():
    """A page in one script class is one segment: the same engine call as before, on its main lines."""
    for code in ("deu", "rus", "kor", "tha"):
        text = "\n".join(lines(code, 8, 300))
        after = identify_page(engine(), text).prediction[0]
        before = engine().predict(lid_input(text), 3)[0]
        assert after[0] == before[0]
        assert abs(after[1] - before[1]) < 0.05


def test_step_writes_lid_mix():
    step = LanguageIdFilter()
    doc = Document(text="\n".join(lines("jpn", 6, 50) + lines("eng", 1, 50)), id="d")
    step.label(doc)
    mix = doc.metadata["lid_mix"]
    assert mix[0]["label"] == doc.metadata["language"] == "jpn_Jpan"
    assert abs(sum(m["share"] for m in mix) - 1) < 1e-3


def test_lines_of_one_script_are_read_together_and_menus_count_little():
    from curator.stages.lid.page import page_lines, segments

    ara, eng = lines("ara", 4, 100), lines("eng", 4, 100)
    page = [x for pair in zip(ara, eng, strict=True) for x in pair] + ["Home", "About us", "Contact"]
    parsed = page_lines("\n".join(page))
    assert [s.cls for s in segments(parsed)] == ["ARABIC", "latn"]  # one engine call per script
    menu = [line for line in parsed if line.text in ("Home", "About us", "Contact")]
    assert all(line.weight == 0.25 * content_weight(line.text) for line in menu)
    sentence = next(line for line in parsed if line.text == eng[0])
    assert sentence.weight == content_weight(eng[0])
