"""The label table covers every label the bundled models can output, in FineWeb2's form."""

import fasttext
import pytest

from curator.stages.lid.engines import FastTextEngine, HeliportEngine, default_fasttext_model
from curator.text.labels import FULL_LABEL, label_table, non_language_labels, normalize_label, same_language


def test_every_lid176_label_is_mapped():
    labels = fasttext.load_model(str(default_fasttext_model())).labels
    assert len(labels) == 176
    table = label_table()
    for label in labels:
        info = table[("fasttext", label.removeprefix("__label__"))]
        assert FULL_LABEL.match(info.language), (label, info.language)
    # two lid.176 labels never collapse into one language
    languages = [table[("fasttext", label.removeprefix("__label__"))].language for label in labels]
    assert len(set(languages)) == 176


def test_every_heliport_label_is_mapped():
    assert all(FULL_LABEL.match(lang) for lang in HeliportEngine().languages())
    assert len(HeliportEngine().languages()) == 220


@pytest.mark.parametrize(
    "label, engine, expected",
    [
        ("__label__de", "fasttext", "deu_Latn"),
        ("__label__zh", "fasttext", "cmn_Hani"),  # FineWeb2 names the member, not the macrolanguage
        ("__label__ar", "fasttext", "arb_Arab"),
        ("__label__ja", "fasttext", "jpn_Jpan"),
        ("__label__als", "fasttext", "gsw_Latn"),  # Wikipedia's als is Alemannic, not Tosk Albanian
        ("__label__sq", "fasttext", "als_Latn"),
        ("__label__no", "fasttext", "nob_Latn"),
        ("msa", "heliport", "msa_Latn"),  # heliport's msa covers Indonesian too: kept as the macrolanguage
        ("deu_Latn", None, "deu_Latn"),  # GlotLID labels pass through
    ],
)
def test_normalize_label(label, engine, expected):
    assert normalize_label(label, engine) == expected


def test_script_follows_the_text():
    assert normalize_label("sr", "fasttext", "Ово је реченица.") == "srp_Cyrl"
    assert normalize_label("sr", "fasttext", "Ovo je rečenica na srpskom.") == "srp_Latn"
    assert normalize_label("xyz", None, "Ово је реченица.") == "xyz_Cyrl"  # unknown code: the text's script


def test_macrolanguages_count_as_their_members():
    assert same_language("ind_Latn", "msa_Latn")
    assert same_language("zho", "cmn_Hani")
    assert same_language("srp_Cyrl", "hbs_Latn")
    assert not same_language("ind_Latn", "zsm_Latn")  # two members are two languages
    assert not same_language("deu_Latn", "nld_Latn")


def test_fasttext_languages_match_table():
    assert FastTextEngine().languages() == {
        info.language for (engine, _), info in label_table().items() if engine == "fasttext"
    }


def test_bundled_tables_are_what_the_generator_makes():
    """The tables are generated from the models' label lists and ISO/FineWeb2 data, not edited by hand."""
    pytest.importorskip("iso639", reason="the dev extra (iso639-lang, langcodes) regenerates the tables")
    pytest.importorskip("langcodes")
    from curator.text.labels import DATA_DIR, read_tsv
    from scripts.devtools.make_labels import tables

    for name, (_header, rows, _comment) in tables().items():
        assert read_tsv(DATA_DIR / name) == [{k: str(v) for k, v in row.items()} for row in rows], name


@pytest.mark.parametrize("engine", ["cld2", "langid"])
def test_every_extra_voter_label_is_mapped(engine):
    rows = {label: info.language for (name, label), info in label_table().items() if name == engine}
    assert len(rows) > 130 and all(FULL_LABEL.match(language) for language in rows.values())
    # labels that name no language are left out: the engine abstains on them
    assert not {label for (name, label) in non_language_labels() if name == engine} & set(rows)


@pytest.mark.parametrize(
    "label, engine, expected",
    [
        ("iw", "cld2", "heb_Hebr"),
        ("jw", "cld2", "jav_Latn"),
        ("xh", "cld2", "xho_Latn"),
        ("tn", "cld2", "tsn_Latn"),
        ("zh-Hant", "cld2", "cmn_Hani"),
        ("sw", "langid", "swh_Latn"),
        ("yue", "langid", "yue_Hani"),
    ],
)
def test_extra_voter_labels(label, engine, expected):
    assert normalize_label(label, engine) == expected
