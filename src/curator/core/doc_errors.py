"""One document that breaks a step (a bug, a hostile value) removes that document, not the run.

Every step that transforms documents one by one contains its errors the same way: the document is
removed with reason `error:<Step>:<ExceptionType>`, a one-line digest of the traceback goes in its
`error` column, it is written to the stage's removed/ folder when the step has an exclusion writer,
and the task goes on. A systematic failure still stops the task: past the error budget (more than
MAX_ERRORS, or more than MIN_ERRORS that are also more than ERROR_FRACTION of the documents seen) it
fails loudly, naming the step and its first errors.
"""

from __future__ import annotations

import hashlib
import traceback

from datatrove.data import Document

from curator.core.accounting import Counts, count_removed
from curator.core.errors import CuratorError

MAX_ERRORS = 100
MIN_ERRORS = 10
ERROR_FRACTION = 0.01
ERROR_COLUMN = "error"


def error_reason(step: object, error: BaseException) -> str:
    return f"error:{type(step).__name__}:{type(error).__name__}"


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


class DocumentErrors:
    """A step's contained errors in one task: `remove(doc, error)` counts, tags and writes the document.

    The step calls `seen(n)` for the documents it handles, so the budget's share is of those."""

    def __init__(self, step: Counts, writer=None, rank: int = 0):
        self.step = step
        self.budget = DocumentErrorBudget(getattr(step, "name", type(step).__name__))
        self.writer = writer
        self.rank = rank

    def seen(self, n: int = 1) -> None:
        self.budget.seen += n

    def tag(self, doc: Document, error: BaseException) -> str:
        """Record the error on the document (digest in `error`); return the removal reason."""
        doc.metadata[ERROR_COLUMN] = self.budget.record(doc.id, error)
        return error_reason(self.step, error)

    def remove(self, doc: Document, error: BaseException) -> None:
        count_removed(self.step, doc, self.tag(doc, error))
        if self.writer is not None:
            self.writer.write(doc, self.rank)
