"""URL blocklists: datatrove's URLFilter with its bundled lists, offline, counted as `url:<detail>`.

datatrove's lists (datatrove/assets: blocklisted domains and URLs, banned words and subwords,
soft-banned words) and its rules are used as they are. Two changes: tldextract reads its bundled
public-suffix snapshot instead of fetching it (no network at run time), and a document without a
`url` is kept and counted as `url_missing` instead of failing an assertion.
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

            from curator.core.compat import url_filter_offline_suffixes

            url_filter = URLFilter(**self.url_filter_options)
            url_filter_offline_suffixes(url_filter)
            self._url_filter = url_filter
        return self._url_filter

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        if not doc.metadata.get("url"):
            self.stat_update("url_missing")
            return True
        with warnings.catch_warnings():  # datatrove reads tldextract's deprecated `registered_domain`
            warnings.simplefilter("ignore", DeprecationWarning)
            keep, reason = get_filter_result(self._datatrove_filter().filter(doc))
        return True if keep else (False, f"url:{reason}")
