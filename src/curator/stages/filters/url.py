"""URL blocklists: datatrove's URLFilter with its bundled lists, offline, counted as `url:<detail>`.

datatrove's lists (datatrove/assets: blocklisted domains and URLs, banned words and subwords,
soft-banned words) and its rules are used as they are. Two changes: tldextract reads its bundled
public-suffix snapshot instead of fetching it (no network at run time), and a document without a
`url` is kept and counted as `url_missing` instead of failing an assertion.

The lists load before the first document, not inside it (`setup`, counted as start-up), and the
4.5 M block-listed domains come from a parsed, memory-mapped cache (blocklists.py) instead of being
parsed in every task (~2.5 s of CPU and ~500 MB each). The local executor loads them once in the
process its tasks fork from (`preload`).
"""

from __future__ import annotations

import warnings

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import get_filter_result

from curator.core.filter_base import CuratorFilter


class UrlFilter(CuratorFilter):
    name = "😈 url"

    def __init__(self, exclusion_writer=None, **url_filter_options):
        """`url_filter_options`: datatrove URLFilter arguments (extra_domains, banned_words...)."""
        super().__init__(exclusion_writer=exclusion_writer)
        self.url_filter_options = url_filter_options
        self._url_filter = None

    def _datatrove_filter(self):
        if self._url_filter is None:
            from datatrove.pipeline.filters import URLFilter

            from curator.core.compat import url_filter_cached_lists, url_filter_offline_suffixes
            from curator.stages.filters.blocklists import cached_domains, datatrove_lists_tar, read_tar_member

            url_filter = URLFilter(**self.url_filter_options)
            url_filter_offline_suffixes(url_filter)
            url_filter_cached_lists(
                url_filter, cached_domains, lambda: read_tar_member(datatrove_lists_tar(), "urls")
            )
            url_filter.download_data()  # a no-op once the lists are loaded (stock datatrove: parses them)
            url_filter.tldextractor("http://example.com/")  # tldextract builds its suffix table on first use
            self._url_filter = url_filter
        return self._url_filter

    def setup(self) -> None:
        self._datatrove_filter()

    def preload(self) -> None:
        """Before the local executor forks the tasks: loaded once, shared by every task."""
        self._datatrove_filter()

    def __getstate__(self):  # pickled to a Slurm task: it loads the lists itself (from the cache)
        return {**self.__dict__, "_url_filter": None}

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        if not doc.metadata.get("url"):
            self.stat_update("url_missing")
            return True
        with warnings.catch_warnings():  # datatrove reads tldextract's deprecated `registered_domain`
            warnings.simplefilter("ignore", DeprecationWarning)
            keep, reason = get_filter_result(self._datatrove_filter().filter(doc))
        return True if keep else (False, f"url:{reason}")
