"""The shipped lang_profiles/: one per language the lid stage can output (lid.176's 176 labels and
the other voters'), each loadable, each with a word tokenizer that works offline, each saying where its
numbers come from."""

import pytest
from datatrove.utils.word_tokenizers import load_tokenizer_assignments, load_word_tokenizer

from curator.core.paths import DEFAULT_PROFILES_DIR
from curator.text.labels import label_table
from curator.text.profiles import LanguageProfile, has_own_profile, load_profile
from curator.text.tokenizers import NEEDS_DOWNLOAD, profile_tokenizer
from scripts.devtools.calibration_corpus import lid_stage_languages

LID176 = sorted({info.language for (engine, _), info in label_table().items() if engine == "fasttext"})
# the lid stage's default engine is an ensemble: it can output any of its voters' labels
ALL_LID = sorted(lid_stage_languages())
SPACE_LESS = {  # a sentence each, and the fewest words the tokenizer must find in it
    "cmn_Hani": ("我们今天去北京看朋友。", 4),
    "jpn_Jpan": ("私たちは今日東京へ行きます。", 5),
    "tha_Thai": ("วันนี้เราไปกรุงเทพเพื่อพบเพื่อน", 4),
    "khm_Khmr": ("ថ្ងៃនេះយើងទៅភ្នំពេញ", 3),
    "lao_Laoo": ("ມື້ນີ້ພວກເຮົາໄປວຽງຈັນ", 3),
    "mya_Mymr": ("ဒီနေ့ကျွန်တော်တို့ရန်ကုန်ကိုသွားမယ်", 3),
    "kor_Hang": ("오늘 우리는 서울에 갑니다.", 4),
}


HAN_HANGUL = {"cmn_Hani", "jpn_Jpan", "kor_Hang"}


def test_every_language_the_lid_stage_can_output_has_its_own_profile():
    assert len(LID176) == 176
    missing = [lang for lang in ALL_LID if not has_own_profile(lang)]
    assert missing == []


@pytest.mark.parametrize("language", ALL_LID)
def test_profile_loads_and_says_where_it_comes_from(language):
    profile = load_profile(language)
    assert isinstance(profile, LanguageProfile)
    assert profile.calibration["tier"] in ("full", "partial", "none")
    if profile.calibration["tier"] == "full":
        assert profile.calibration["docs"] >= 30
        assert "language_score" not in profile.calibration["fell_back_to_default"]
    if profile.min_stop_words:
        assert len(profile.stopwords) >= profile.min_stop_words


@pytest.mark.parametrize("language", ALL_LID)
def test_profile_tokenizer_runs_offline(language):
    key = load_profile(language).tokenizer_key
    factory = load_tokenizer_assignments()[key]
    assert factory.args[0] not in NEEDS_DOWNLOAD  # Stanza / botok fetch models on first use


@pytest.mark.parametrize("language", sorted(SPACE_LESS))
def test_space_less_languages_are_segmented_into_words(language):
    text, fewest = SPACE_LESS[language]
    profile = load_profile(language)
    assert profile.tokenizer_key == language  # their own segmenter, not the whitespace fallback
    words = load_word_tokenizer(profile.tokenizer_key).word_tokenize(text)
    assert len(words) >= fewest
    mean_length = sum(map(len, words)) / len(words)
    assert profile.min_avg_word_length <= mean_length <= profile.max_avg_word_length
    if language in HAN_HANGUL:  # a word is one to three characters: English's 10 would accept any string
        assert profile.max_avg_word_length < load_profile("eng_Latn").max_avg_word_length / 2


def test_a_tokenizer_that_downloads_is_replaced_and_the_reason_recorded():
    choice = profile_tokenizer("bod_Tibt")  # botok fetches its dictionary from GitHub
    assert choice.key != "bod_Tibt" and "download" in choice.fallback_reason
    assert profile_tokenizer("xyz_Latn").fallback_reason == "datatrove assigns no tokenizer to this language"
    assert "fallback" in load_profile("bod_Tibt").calibration["tokenizer"]


def test_default_yaml_still_serves_unknown_languages():
    profile = load_profile("zzz_Latn", DEFAULT_PROFILES_DIR)
    assert profile.language == "zzz_Latn" and profile.calibration is None
