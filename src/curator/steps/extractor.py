"""HTML → text in-process, with a per-document time limit (SIGALRM) and size limit.

datatrove's extractor runs each page through a pipe to a sandbox process and reports any error,
an ImportError included, as a timeout. Here an import problem fails at start-up, a slow page
is interrupted by a timer in the same process, and every lost page is counted with its reason.
"""

from __future__ import annotations

import signal
from contextlib import contextmanager

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from curator.steps.counting import count_removed


class ExtractionTimeout(Exception):
    pass


@contextmanager
def time_limit(seconds: float):
    if seconds <= 0:
        yield
        return

    def _raise(signum, frame):
        raise ExtractionTimeout()

    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class HtmlExtractor(PipelineStep):
    name = "🛢 extract"
    type = "🛢 - EXTRAC"

    def __init__(self, engine: str, engine_options: dict | None = None, timeout: float = 5.0,
                 max_html_bytes: int = 5_000_000, exclusion_writer=None):
        super().__init__()
        self.engine = engine
        self.engine_options = engine_options or {}
        self.timeout = timeout
        self.max_html_bytes = max_html_bytes
        self.exclusion_writer = exclusion_writer

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from curator.extract.engines import ENGINES

        extract = ENGINES[self.engine](**self.engine_options)  # ImportError here fails the task loudly
        writer = self.exclusion_writer
        with writer if writer is not None else _null() as w:
            for doc in data:
                reason = None
                if len(doc.text) > self.max_html_bytes:
                    reason = "extract:too_large"
                else:
                    try:
                        with self.track_time(), time_limit(self.timeout):
                            text = extract(doc.text)
                        if not text or not text.strip():
                            reason = "extract:no_text"
                    except ExtractionTimeout:
                        reason = "extract:timeout"
                    except Exception as e:  # a page that breaks the parser is skipped, counted
                        reason = f"extract:error:{type(e).__name__}"
                if reason is None:
                    doc.text = text
                    yield doc
                    continue
                count_removed(self, doc, reason)
                if w is not None:
                    doc.text = doc.text[:10000]  # keep removed files small: the start of the HTML
                    w.write(doc, rank)


@contextmanager
def _null():
    yield None
