"""HTML → text in-process, with a per-document time limit (SIGALRM) and size limit.

datatrove's extractor runs each page through a pipe to a sandbox process and reports any error,
an ImportError included, as a timeout. Here the engine is built (and imported) before the first
page, so a broken install fails the task at start-up; a slow page is interrupted by a timer in
the same process (no pipe, no pickling of every page); and every lost page is counted with its
reason: extract:too_large, extract:timeout, extract:no_text, extract:<reason> for engine
exceptions that carry one (extract:too_deep), else extract:error:<exception>.

The timer interrupts Python code only: a single C call (lxml or resiliparse parsing) runs to its
end, which `max_html_bytes` keeps short.
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager, nullcontext, suppress

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from curator.core.accounting import count_removed, metric_key, record_startup

REMOVED_HTML_CHARS = 10_000  # removed pages are written with the start of their HTML only


class ExtractionTimeout(Exception):
    pass


def _raise_timeout(signum, frame):
    raise ExtractionTimeout()


@contextmanager
def alarm_raises_timeout(enabled: bool = True):
    """While active, SIGALRM raises ExtractionTimeout; each page then only arms a timer (setitimer)."""
    if not enabled:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _raise_timeout)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def utf8_size_over(text: str, limit: int) -> bool:
    """Whether `text` takes more than `limit` bytes in UTF-8, encoding only when it could."""
    if len(text) > limit:
        return True
    return len(text) * 4 > limit and len(text.encode("utf-8", "surrogatepass")) > limit


class HtmlExtractor(PipelineStep):
    name = "🛢 extract"
    type = "🛢 - EXTRAC"

    def __init__(
        self,
        engine: str,
        engine_options: dict | None = None,
        timeout: float = 5.0,
        max_html_bytes: int = 5_000_000,
        exclusion_writer=None,
    ):
        super().__init__()
        self.engine = engine
        self.engine_options = engine_options or {}
        self.timeout = timeout
        self.max_html_bytes = max_html_bytes
        self.exclusion_writer = exclusion_writer

    def build_engine(self):
        """The engine's extract function; import errors surface here, before any page."""
        from curator.stages.extract.engines import ENGINES

        if self.timeout > 0 and threading.current_thread() is not threading.main_thread():
            raise RuntimeError(
                "extract: the per-document time limit uses SIGALRM, which works in a process's main "
                "thread only; run with the local or slurm executor, or set extract.timeout to 0"
            )
        try:
            return ENGINES[self.engine](**self.engine_options)
        except ImportError as e:
            raise ImportError(
                f"extract engine '{self.engine}' cannot be imported: {e}. "
                "Reinstall the environment (`make install`); no page was processed."
            ) from e

    def preload(self) -> None:
        """Import the engine (trafilatura: ~0.3 s) once for all the job's tasks; a broken install is
        reported by each task's build_engine."""
        from curator.stages.extract.engines import ENGINES

        with suppress(ImportError):
            ENGINES[self.engine](**self.engine_options)

    def extract_one(self, extract, html: str) -> tuple[str | None, str | None]:
        """(text, None) or (None, reason). Call inside `alarm_raises_timeout()`."""
        if utf8_size_over(html, self.max_html_bytes):
            return None, "extract:too_large"
        try:
            with self.track_time():
                if self.timeout > 0:
                    signal.setitimer(signal.ITIMER_REAL, self.timeout)
                try:
                    text = extract(html)
                finally:
                    if self.timeout > 0:
                        signal.setitimer(signal.ITIMER_REAL, 0)
        except ExtractionTimeout:
            return None, "extract:timeout"
        except ImportError as e:  # a broken install is not a property of the page: stop the task
            raise ImportError(
                f"extract engine '{self.engine}' failed to import while extracting: {e}. "
                "Reinstall the environment (`make install`)."
            ) from e
        except Exception as e:  # a page that breaks the parser is skipped, counted
            return None, f"extract:{getattr(e, 'reason', None) or 'error:' + type(e).__name__}"
        if not text or not text.strip():
            return None, "extract:no_text"
        return text, None

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        start = time.perf_counter()
        extract = self.build_engine()
        record_startup(self, time.perf_counter() - start)
        try:
            with alarm_raises_timeout(self.timeout > 0), self.exclusion_writer or nullcontext() as writer:
                for doc in data:
                    text, reason = self.extract_one(extract, doc.text)
                    if reason is None:
                        doc.text = text
                        yield doc
                        continue
                    count_removed(self, doc, reason)
                    if writer is not None:
                        doc.text = doc.text[:REMOVED_HTML_CHARS]
                        writer.write(doc, rank)
        finally:
            for key, n in getattr(extract, "counts", {}).items():
                self.stat_update(metric_key("extract", key), value=n)
