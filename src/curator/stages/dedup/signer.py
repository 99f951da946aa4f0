"""Dedup phase 1 (in the document job): the keys of every document, written per task and band.

Documents pass through unchanged. For each, in stream order (task and position are its key in
the later phases; the filter checks them against its id): a key of its whitespace-normalised
text (exact duplicates) and, if it has at least `n_grams` words, one key per MinHash band. Keys
are salted with the document's group (language, or language and dump) so groups never match.
"""

from __future__ import annotations

import time
from contextlib import nullcontext

import numpy as np
import pyarrow as pa
from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.logging import logger

from curator.core.accounting import metric_key, record_startup
from curator.core.doc_errors import DocumentErrors
from curator.core.docio import doc_language
from curator.core.preload import import_if_installed
from curator.stages.dedup.files import (
    EXACT_BAND,
    KEY_DTYPE,
    DedupFiles,
    band_names,
    doc_key,
    record_peak_memory,
    save_array,
    save_table,
)
from curator.stages.dedup.minhash import MinhashScheme, band_keys, signatures, text_keys
from curator.stages.dedup.shingles import Shingler
from curator.text.profiles import load_profile
from curator.text.tokenizers import resolve, word_tokenizer
from curator.text.words import preload_splitters


class DedupSignatures(PipelineStep):
    name = "🫂 dedup keys"
    type = "🫂 - DEDUP"

    def __init__(
        self,
        stage_dir: str,
        scheme: MinhashScheme,
        n_grams: int = 5,
        scope: str = "global",
        exact: bool = True,
        minhash: bool = True,
        profiles_dir: str | None = None,
        batch_size: int = 500,
        against: list[str] | tuple[str, ...] = (),
        exclusion_writer=None,
    ):
        super().__init__()
        self.exclusion_writer = exclusion_writer  # documents whose keys raise (core/doc_errors.py)
        self.files = DedupFiles(stage_dir, against)
        self.scheme = scheme
        self.n_grams = n_grams
        self.scope = scope
        self.exact = exact
        self.minhash = minhash
        self.profiles_dir = profiles_dir
        self.batch_size = batch_size
        self._shinglers: dict[str, Shingler] = {}
        self._startup = 0.0  # seconds loading languages' tokenizers in this task (counted as start-up)

    def preload(self, tasks: int | None = None, docs_per_task: float | None = None) -> None:
        """Most languages' word tokenizers are spaCy's: import it once for all the job's tasks, and
        with several tasks load those worth it (as the filters do; a no-op after the filters'
        preload in the same job)."""
        if self.minhash:
            import_if_installed("spacy")
            if tasks is None or tasks > 1:
                preload_splitters(tasks=tasks, docs_per_task=docs_per_task)

    def group(self, doc: Document) -> bytes:
        """Documents are only compared within a group: their language (and dump, with scope per_dump)."""
        language = doc_language(doc)
        if self.scope == "per_dump":
            return f"{language}\t{doc.metadata.get('dump') or ''}\n".encode()
        return f"{language}\n".encode()

    def shingler(self, language: str) -> Shingler:
        """The language's word n-gram hasher, with the tokenizer its profile names (resolved as the
        filters resolve it: text/tokenizers.py). A language left to the multilingual fallback is counted."""
        shingler = self._shinglers.get(language)
        if shingler is None:
            start = time.perf_counter()
            key = load_profile(language, self.profiles_dir).tokenizer_key
            if resolve(key).fallback_reason:
                self.stat_update(metric_key("tokenizer_fallback", language))
            shingler = self._shinglers[language] = Shingler(word_tokenizer(key), self.n_grams)
            self._startup += time.perf_counter() - start
        return shingler

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        bands = band_names(self.scheme.bands, self.exact, self.minhash)
        keys: dict[str, list[np.ndarray]] = {band: [] for band in bands}
        ids: list[str] = []
        batch: list[Document] = []
        with self.exclusion_writer or nullcontext() as writer:
            errors = DocumentErrors(self, writer, rank)
            for doc in data:
                batch.append(doc)
                if len(batch) >= self.batch_size:
                    yield from self._add_keys(batch, rank, keys, ids, errors)
                    batch = []
            yield from self._add_keys(batch, rank, keys, ids, errors)
        record_startup(self, self._startup)
        with self.track_time():
            for band in bands:
                rows = np.concatenate(keys[band]) if keys[band] else np.empty(0, KEY_DTYPE)
                rows.sort(order=["hi", "lo", "doc"])  # the bucket phase reads hash ranges by binary search
                save_array(self.files.keys(band, rank), rows)
            save_table(self.files.documents(rank), pa.table({"id": pa.array(ids, pa.string())}))
        peak = record_peak_memory(self)
        logger.info(f"dedup keys: {len(ids)} documents, peak memory {peak:.0f} MB")

    def _add_keys(
        self,
        batch: list[Document],
        rank: int,
        keys: dict[str, list[np.ndarray]],
        ids: list[str],
        errors: DocumentErrors,
    ) -> list[Document]:
        """Add the batch's keys; return its documents but those whose keys raised (removed, counted)."""
        if not batch:
            return []
        with self.track_time("batch"):
            errors.seen(len(batch))
            kept, groups, hashes = [], [], []
            for doc in batch:  # the per-document part: one document that raises is removed alone
                try:
                    group = self.group(doc)
                    doc_hashes = self.shingler(doc_language(doc)).hashes(doc.text) if self.minhash else None
                except Exception as e:
                    errors.remove(doc, e)
                    continue
                kept.append(doc)
                groups.append(group)
                hashes.append(doc_hashes)
            if not kept:
                return kept
            docs = doc_key(self.files.index_rank(rank), np.arange(len(ids), len(ids) + len(kept)))
            ids.extend(doc.id for doc in kept)
            if self.exact:
                keys[EXACT_BAND].append(_key_rows(text_keys([doc.text for doc in kept], groups), docs))
            if not self.minhash:
                return kept
            signed = [i for i, h in enumerate(hashes) if len(h)]
            if len(signed) < len(kept):  # fewer words than n_grams: matched by exact key only
                self.stat_update("too_short_for_minhash", value=len(kept) - len(signed))
            if not signed:
                return kept
            sigs = signatures([hashes[i] for i in signed], self.scheme)
            signed_groups = [groups[i] for i in signed]
            for band in range(self.scheme.bands):
                hi_lo = band_keys(sigs, signed_groups, band, self.scheme.rows)
                keys[f"band_{band:03d}"].append(_key_rows(hi_lo, docs[signed]))
        return kept


def _key_rows(hi_lo: tuple[np.ndarray, np.ndarray], docs: np.ndarray) -> np.ndarray:
    rows = np.empty(len(docs), KEY_DTYPE)
    rows["hi"], rows["lo"] = hi_lo
    rows["doc"] = docs
    return rows
