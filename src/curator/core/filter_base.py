"""Base of curator's filters: datatrove's keep-or-(False, reason) contract, counted per language."""

from __future__ import annotations

import contextlib

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.filters.base_filter import BaseFilter, get_filter_result
from datatrove.utils.batching import batched

from curator.core.accounting import count_removed


class CuratorFilter(BaseFilter):
    """Like datatrove's BaseFilter, but every removal is counted by reason and language, the
    reason is written to the `reason` column of OUTPUT/removed/<stage>/, and a removal without a
    reason is counted as `<filter name>` rather than silently."""

    def __init__(self, exclusion_writer=None, batch_size: int = 1):
        super().__init__(exclusion_writer=exclusion_writer, batch_size=batch_size)

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        with self.exclusion_writer if self.exclusion_writer else contextlib.nullcontext() as writer:
            for batch in batched(data, self.batch_size):
                with self.track_time("batch" if self.batch_size > 1 else None):
                    results = self.filter_batch(batch)
                for doc, result in zip(batch, results, strict=True):
                    keep, reason = get_filter_result(result)
                    if keep:
                        yield doc
                        continue
                    count_removed(self, doc, reason or type(self).__name__)
                    if writer is not None:
                        writer.write(doc, rank)
