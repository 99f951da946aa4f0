"""Word tokenizers loaded before the fork vs in each task: start-up per task, parent cost, memory.

The local executor forks a job's tasks from one process; the filters' `preload` loads there the
word tokenizers its tasks are expected to meet (text/words.preload_splitters), so a task finds them
loaded instead of loading each in its first document of the language. Measured here with the
languages the e2e bench file meets (the bench's `lid` output), `--workers` forked tasks, each
splitting real text of every language (../shared/data/lid-dev) as a task's filters would:

- without: each task loads every tokenizer itself (its start-up), as before preloading;
- with: the parent loads them (once per job), then forks; the tasks' start-up is what is left.

Memory: the parent's resident growth from the preload; per task its RSS and PSS (proportional set
size: pages shared by several processes count a fraction each), whose sum is the job's real memory.

    .venv/bin/python scripts/bench/preload.py [--workers 2] [--labels kor_Hang,cmn_Hani,...]
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing as mp
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from scripts.devtools.shared import shared_data  # noqa: E402

# the languages of the e2e bench file (real-pages.warc.gz) after lid, as the filters key them
BENCH_LABELS = (
    "arb_Arab,ben_Beng,cmn_Hani,deu_Latn,eng_Latn,fin_Latn,fra_Latn,hun_Latn,ind_Latn,ita_Latn,jpn_Jpan,"
    "kor_Hang,msa_Latn,nob_Latn,pol_Latn,por_Latn,rus_Cyrl,spa_Latn"
)
# lid-dev file of a label (its ISO 639-3 code; lid-dev names some by macrolanguage)
DEV_FILE = {"arb": "ara", "cmn": "zho", "nob": "nob"}


def memory_mb() -> tuple[float, float]:
    """(RSS, PSS) of this process in MB, from /proc/self/smaps_rollup."""
    values = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("Rss", "Pss"):
            values[name] = int(rest.split()[0]) / 1024
    return values["Rss"], values["Pss"]


def texts(label: str) -> list[str]:
    code = label.split("_")[0]
    path = shared_data("lid-dev", f"{DEV_FILE.get(code, code)}.txt", must_exist=True)
    lines = path.read_text().splitlines()
    return ["\n".join(lines[i : i + 10]) for i in range(0, len(lines), 10)]


def task(labels: list[str], samples: dict[str, list[str]], queue, done) -> None:
    """One task: the splitter of each label as the filters' `prepare` gets it (timed: start-up),
    then the label's documents split into words (as the filters do), then its memory."""
    from curator.text.words import word_splitter

    startup = 0.0
    for label in labels:
        start = time.perf_counter()
        splitter = word_splitter(label)
        startup += time.perf_counter() - start
        for text in samples[label]:
            splitter.words(text)
    queue.put((startup, *memory_mb()))
    done.wait()  # alive while the parent measures its own share of the pages


def job(labels: list[str], workers: int, preload: bool) -> dict:
    """Fork `workers` tasks from a fresh process (so nothing is loaded before), with or without preload."""
    samples = {label: texts(label) for label in labels}
    start, before = time.perf_counter(), memory_mb()[0]
    if preload:
        from curator.text.words import preload_splitters

        preload_splitters(labels, max_mb=float("inf"))
    parent_s, parent_mb = time.perf_counter() - start, memory_mb()[0] - before
    gc.freeze()
    fork = mp.get_context("fork")
    queue, done = fork.Queue(), fork.Event()
    procs = [fork.Process(target=task, args=(labels, samples, queue, done)) for _ in range(workers)]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    parent_rss, parent_pss = memory_mb()
    done.set()
    for p in procs:
        p.join()
    return {
        "parent_s": parent_s,
        "parent_mb": parent_mb,
        "parent": (parent_rss, parent_pss),
        "tasks": results,
    }


def run_in_fresh_process(labels: list[str], workers: int, preload: bool) -> dict:
    """`job` in a new interpreter (this script with --job), so nothing is loaded before it."""
    command = [sys.executable, __file__, "--job", "preload" if preload else "none"]
    command += ["--workers", str(workers), "--labels", ",".join(labels)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--labels", default=BENCH_LABELS)
    parser.add_argument("--job", choices=["preload", "none"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    labels = args.labels.split(",")
    if args.job:
        print(json.dumps(job(labels, args.workers, args.job == "preload")))
        return
    print(f"{len(labels)} labels, {args.workers} tasks forked per job")
    for preload in (False, True):
        r = run_in_fresh_process(labels, args.workers, preload)
        tasks = r["tasks"]
        print(
            f"{'with preload' if preload else 'no preload':12s}: parent preload {r['parent_s']:5.1f} s "
            f"+{r['parent_mb']:4.0f} MB (parent RSS {r['parent'][0]:4.0f} MB); start-up per task "
            + "/".join(f"{t[0]:.2f}" for t in tasks)
            + " s; task RSS "
            + "/".join(f"{t[1]:.0f}" for t in tasks)
            + " MB, PSS "
            + "/".join(f"{t[2]:.0f}" for t in tasks)
            + f" MB; job (parent + tasks, PSS) {r['parent'][1] + sum(t[2] for t in tasks):.0f} MB"
        )


if __name__ == "__main__":
    main()
