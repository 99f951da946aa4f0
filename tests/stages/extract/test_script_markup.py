"""Ruby and other script-specific markup: every engine writes the text a reader sees.

The real page is NHK News Web Easy (html-gold, furigana on every kanji, one-kanji words wrapped in
dictionary links); before script_markup, resiliparse/fast/hybrid wrote どもへの虐待ぎゃくたい...
"""

import gzip

import pytest

from curator.stages.extract.engines import ENGINES, forget_seen_pages
from curator.stages.extract.script_markup import (
    PAD,
    drop_invisible,
    has_ruby,
    pad_lone_letters,
    render_ruby,
)
from scripts.devtools.extract_gold import decode_html
from tests.conftest import shared_data

NHK_SENTENCE = "子どもへの虐待をなくすための法律ができて、親が子どもを教育するために、たたいたり蹴ったりする体罰を禁止することになりました。"
READINGS = ("こども", "ぎゃくたい", "ほうりつ", "きょういく", "たいばつ")


@pytest.fixture(scope="module")
def nhk_html():
    path = shared_data("html-gold") / "trafilatura/html/nhk.or.jp.k100.html.gz"
    return decode_html(gzip.decompress(path.read_bytes()))


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_nhk_page_reads_as_its_base_text(nhk_html, engine):
    forget_seen_pages()
    text = ENGINES[engine]()(nhk_html)
    assert NHK_SENTENCE in text
    # the article's other sentences, each with one-kanji words and particles between links
    assert "最近、親に虐待された子どもを児童相談所が守ることができなくて" in text
    assert "子どもを守る仕事をする専門の職員を増やしたりすることも決まりました。" in text
    assert not any(reading in text for reading in READINGS), text[:300]
    assert PAD not in text


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_nhk_page_with_readings(nhk_html, engine):
    forget_seen_pages()
    text = ENGINES[engine](ruby_readings=True)(nhk_html)
    assert (
        "最近(さいきん)、親(おや)に虐待(ぎゃくたい)された子(こ)どもを児童相談所(じどうそうだんじょ)が守(まも)る"
        in text
    )


@pytest.mark.parametrize(
    ("html", "base", "with_readings"),
    [
        ("<ruby>漢<rt>かん</rt>字<rt>じ</rt></ruby>", "漢字", "漢(かん)字(じ)"),
        ("<ruby>東京<rp>(</rp><rt>とうきょう</rt><rp>)</rp></ruby>", "東京", "東京(とうきょう)"),
        # rb with an rt per base and an rtc spanning them
        (
            "<ruby><rb>旧</rb><rb>金</rb><rb>山</rb><rt>jiù</rt><rt>jīn</rt><rt>shān</rt>"
            "<rtc>San Francisco</rtc></ruby>",
            "旧金山",
            "旧金山(jiù)(jīn)(shān)(San Francisco)",
        ),
        ("<ruby>明日<rtc><rt>あした</rt></rtc></ruby>", "明日", "明日(あした)"),
        # nested: the inner ruby's base is the outer one's base
        ("<ruby><ruby>漢<rt>かん</rt></ruby><rt>kan</rt></ruby>", "漢", "漢(かん)(kan)"),
        # omitted end tags (valid HTML): each rt/rp ends at the next one
        ("<ruby>漢<rp>(<rt>かん<rp>)</ruby>", "漢", "漢(かん)"),
        ("<RUBY>字<RT>じ</RT></RUBY>", "<RUBY>字<RT>じ</RT></RUBY>", None),  # upper case: not looked for
        # markup inside base and reading: tags kept, reading text dropped
        (
            '<ruby><span class="u">親</span><rt><b>おや</b></rt></ruby>',
            '<span class="u">親</span><b></b>',
            None,
        ),
        ("<ruby-text>x</ruby-text>", "<ruby-text>x</ruby-text>", None),  # a custom element
    ],
)
def test_ruby_forms(html, base, with_readings):
    page = f"<p>前{html}後</p>"
    assert render_ruby(page) == f"<p>前{base}後</p>"
    if with_readings:
        assert render_ruby(page, readings=True) == f"<p>前{with_readings}後</p>"


def test_unclosed_ruby_is_bounded_by_its_block():
    page = "<p>前<ruby>漢<rt>かん</p><p>次の段落はそのまま残ります。</p>"
    assert render_ruby(page) == "<p>前漢</p><p>次の段落はそのまま残ります。</p>"
    # no block tag after it: the rest is left as it was (a reading kept rather than text lost)
    assert render_ruby("前<ruby>漢<rt>かん") == "前漢かん"
    page = "<div>a<ruby>字<rt>じ</div><div>b<ruby>語<rt>ご</rt></ruby>c</div>"
    assert render_ruby(page) == "<div>a字</div><div>b語c</div>"


def test_pages_without_ruby_are_untouched():
    page = "<p>ruby is a language; <code>rt</code> too</p>"
    assert not has_ruby(page)
    assert render_ruby(page) is page


@pytest.mark.parametrize("engine", ["resiliparse", "fast", "hybrid"])
def test_lone_letters_and_invisible_marks(engine):
    """Particles between links and one-letter elements stay; soft hyphens and bidi controls go."""
    filler = "<p>" + "これは段落の本文で、記事の中身を形作る長い文章です。" * 12 + "</p>"
    body = (
        '<p>北京<a href="/a">体罰</a>を<a href="/b">禁止</a>する。<b>親</b>と子、<span>ก</span>ไทย。</p>'
        "<p>Donau&shy;dampf\u00adschiff \u200fשלום\u200e \u202bעולם\u202c می\u200cخواهم.</p>"
    )
    html = f"<html><body><article><h1>見出し</h1>{filler}{body}{filler}</article></body></html>"
    text = ENGINES[engine]()(html)
    assert "北京体罰を禁止する。親と子、กไทย。" in text
    assert "Donaudampfschiff שלום עולם می\u200cخواهم." in text  # ZWNJ kept: Persian spelling


def test_pad_and_drop_invisible():
    assert pad_lone_letters("<a>体罰</a>を<a>x</a>") == f"<a>体罰</a>を{PAD}<a>x</a>"
    assert pad_lone_letters("<i>★</i><b> 親 </b>") == f"<i>★</i><b> 親{PAD} </b>"  # icons not padded
    page = "<p>no lone letters</p>"
    assert pad_lone_letters(page) is page
    assert drop_invisible(f"a\u00adb\u061cc{PAD}\u2066d\u2069") == "abcd"
    assert drop_invisible("plain") == "plain"
