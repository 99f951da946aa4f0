"""Base of curator's filters: datatrove's keep-or-(False, reason) contract, counted per language.

A filter that raises on one document removes that document, not the run (core/doc_errors.py): it is
counted as `error:<filter>:<ExceptionType>` and written to the stage's removed/ folder with a short
digest of the traceback in `error`; past the error budget the task fails loudly.
"""

from __future__ import annotations

import contextlib
import time

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.filters.base_filter import BaseFilter, get_filter_result
from datatrove.utils.batching import batched

from curator.core.accounting import count_removed, record_startup
from curator.core.doc_errors import DocumentErrors


class CuratorFilter(BaseFilter):
    """Like datatrove's BaseFilter, but every removal is counted by reason and language, the
    reason is written to the `reason` column of OUTPUT/removed/<stage>/, and a removal without a
    reason is counted as `<filter name>` rather than silently."""

    def __init__(self, exclusion_writer=None, batch_size: int = 1):
        super().__init__(exclusion_writer=exclusion_writer, batch_size=batch_size)

    def setup(self) -> None:
        """Load what every document needs (lists, models) before the first one: timed as start-up."""

    def prepare(self, doc) -> None:
        """Load what this document needs that no earlier one did (its language's tokenizer...): timed
        as start-up, outside the per-document time."""

    def finish(self) -> None:
        """Once the task's documents are done (not after a failure): what the filter records of them."""

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        errors = DocumentErrors(self)
        start = time.perf_counter()
        self.setup()
        startup = time.perf_counter() - start
        first = True
        with self.exclusion_writer if self.exclusion_writer else contextlib.nullcontext() as writer:
            for batch in batched(data, self.batch_size):
                errors.seen(len(batch))
                start = time.perf_counter()
                for doc in batch:
                    with contextlib.suppress(Exception):  # it raises again in filter(), where it is counted
                        self.prepare(doc)
                startup += time.perf_counter() - start
                start = time.perf_counter()
                with self.track_time("batch" if self.batch_size > 1 else None):
                    results = self._results(batch, errors)
                if first:  # what a step loads lazily in its first document counts as start-up too
                    startup += time.perf_counter() - start
                    first = False
                for doc, result in zip(batch, results, strict=True):
                    keep, reason = get_filter_result(result)
                    if keep:
                        yield doc
                        continue
                    count_removed(self, doc, reason or type(self).__name__)
                    if writer is not None:
                        writer.write(doc, rank)
        record_startup(self, startup)
        self.finish()

    def _results(self, batch: list, errors: DocumentErrors) -> list:
        """filter_batch's results; if it raises, each document alone, and the one that raises is
        removed with reason error:<filter>:<ExceptionType> (its digest in the `error` column)."""
        try:
            return self.filter_batch(batch)
        except Exception as e:
            if len(batch) > 1:  # find the document(s) that raise: each alone
                return [self._results([doc], errors)[0] for doc in batch]
            return [(False, errors.tag(batch[0], e))]
