"""Preloading: what a job's tasks would each import is imported once in the launching process."""

import subprocess
import sys

from curator.core.preload import import_if_installed, preload

# a fresh interpreter: other tests may have imported these modules already
LAUNCHER = """
import sys
from curator.stages.dedup.signer import DedupSignatures
from curator.stages.dedup.minhash import MinhashScheme
from curator.stages.extract.step import HtmlExtractor
from curator.core.writer import ParquetDocWriter
from curator.core.preload import preload
from curator.core.task_guard import TaskGuard

wanted = ("spacy", "pandas", "trafilatura")
before = [m for m in wanted if m in sys.modules]
preload([TaskGuard(), HtmlExtractor("trafilatura"), DedupSignatures("unused", MinhashScheme()),
         ParquetDocWriter("unused")])
print(before, [m for m in wanted if m in sys.modules])
"""


def test_pipeline_steps_preload_what_their_tasks_import():
    out = subprocess.run([sys.executable, "-c", LAUNCHER], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[-2] == "[] ['spacy', 'pandas', 'trafilatura']"


def test_a_missing_module_is_left_to_the_task():
    import_if_installed("curator_no_such_module")  # the task reports it where it needs it
    preload([object()])  # steps without a preload hook are skipped
