"""URL filter: datatrove's bundled blocklists, offline, reasons `url:<detail>`, missing URLs kept."""

from datatrove.data import Document

from curator.stages.filters.url import UrlFilter


def run(urls: list[str | None]) -> tuple[UrlFilter, list[str], list[Document]]:
    step = UrlFilter()
    docs = [
        Document(text="text", id=str(i), metadata={"url": u, "language": "eng_Latn"})
        for i, u in enumerate(urls)
    ]
    kept = [d.id for d in step.run(iter(docs))]
    return step, kept, docs


def test_blocklisted_domains_and_banned_words_are_removed_with_reason(pages):
    urls = [d.metadata["url"] for d in pages[:200] if d.metadata["url"]]
    bad = ["https://pornhub.com/view", "http://www.foo.com/free-porn-videos", "https://xxx.example.org/"]
    step, kept, docs = run(urls + bad)
    assert len(kept) == len(urls)  # the real (news, government, blog) pages all pass
    assert [d.metadata["reason"] for d in docs[len(urls) :]] == [
        "url:domain",
        "url:hard_blacklisted",
        "url:hard_blacklisted",
    ]
    assert step.stats["removed/url:domain"].total == 1
    assert step.stats["lang/eng_Latn/removed/url:hard_blacklisted"].total == 2


def test_document_without_url_is_kept_and_counted():
    step, kept, _ = run([None, ""])
    assert kept == ["0", "1"]
    assert step.stats["url_missing"].total == 2
