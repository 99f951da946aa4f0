"""Base of curator's filters: datatrove's keep-or-(False, reason) contract, counted per language.

A filter that raises on one document (a bug, a hostile value) removes that document, not the run:
it is counted as `error:<filter>:<ExceptionType>`, written to the stage's removed/ folder with a
short digest of the traceback in `error`, and the task goes on. A systematic failure still stops the
task: past the error budget (more than MAX_ERRORS, or more than MIN_ERRORS that are also more than
ERROR_FRACTION of the documents seen) it fails loudly, naming the filter and its first errors.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
import traceback

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.filters.base_filter import BaseFilter, get_filter_result
from datatrove.utils.batching import batched

from curator.core.accounting import count_removed, record_startup
from curator.core.errors import CuratorError

MAX_ERRORS = 100
MIN_ERRORS = 10
ERROR_FRACTION = 0.01
ERROR_COLUMN = "error"


class DocumentErrorBudget:
    """Per-document errors of one step in one task: each is allowed, many are not."""

    def __init__(self, step: str):
        self.step = step
        self.seen = 0
        self.errors: list[str] = []

    def record(self, doc_id: str, error: BaseException) -> str:
        """Note one error; return a one-line digest of it. Raises when the budget is spent."""
        frames = traceback.extract_tb(error.__traceback__)
        where = f"{frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else "?"
        trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        digest = f"{type(error).__name__} at {where}: {str(error)[:200]} [{hashlib.sha1(trace.encode()).hexdigest()[:10]}]"
        self.errors.append(f"document {str(doc_id)[:100]!r}: {digest}")
        n = len(self.errors)
        if n > MAX_ERRORS or (n > MIN_ERRORS and n > ERROR_FRACTION * self.seen):
            first = "\n  ".join(self.errors[:5])
            raise CuratorError(
                f"{self.step}: {n} of {self.seen} documents raised an error: a systematic failure, not a stray "
                f"value. First errors:\n  {first}\nFix the step or its input and rerun (finished tasks are kept)."
            ) from error
        return digest


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

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        budget = DocumentErrorBudget(self.name)
        start = time.perf_counter()
        self.setup()
        startup = time.perf_counter() - start
        first = True
        with self.exclusion_writer if self.exclusion_writer else contextlib.nullcontext() as writer:
            for batch in batched(data, self.batch_size):
                budget.seen += len(batch)
                start = time.perf_counter()
                for doc in batch:
                    with contextlib.suppress(Exception):  # it raises again in filter(), where it is counted
                        self.prepare(doc)
                startup += time.perf_counter() - start
                start = time.perf_counter()
                with self.track_time("batch" if self.batch_size > 1 else None):
                    results = self._results(batch, budget)
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

    def _results(self, batch: list, budget: DocumentErrorBudget) -> list:
        """filter_batch's results; if it raises, each document alone, and the one that raises is
        removed with reason error:<filter>:<ExceptionType> (its digest in the `error` column)."""
        try:
            return self.filter_batch(batch)
        except Exception as e:
            if len(batch) > 1:  # find the document(s) that raise: each alone
                return [self._results([doc], budget)[0] for doc in batch]
            doc = batch[0]
            doc.metadata[ERROR_COLUMN] = budget.record(doc.id, e)
            return [(False, f"error:{type(self).__name__}:{type(e).__name__}")]
