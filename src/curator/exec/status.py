"""State of a run for `curator status`, read from its folder: works during and after a run, local or
Slurm (exec/state.py reads the files; the run's executor adds what only it knows)."""

from __future__ import annotations

import json
from pathlib import Path

from curator.core.paths import RunLayout
from curator.exec.run import executor_for
from curator.exec.state import JobState, job_state, read_run


def run_status(output: str | Path) -> tuple[dict, list[JobState], dict[str, dict]]:
    layout = RunLayout(Path(output))
    record = read_run(layout)
    states = [job_state(layout, j) for j in record["jobs"]]
    kind = record.get("executor", "local")
    counts = executor_for(kind).task_counts(layout, record)
    for s in states:
        c = counts.get(s.name) or {}
        if kind == "slurm":
            # Slurm knows what the task logs cannot show: scancel, time limit, out of memory
            s.slurm = c or None
            s.running = c.get("running", 0)
            slurm_logs = str(layout.logs(s.name) / "slurm_logs")
            s.failed += [(-1, slurm_logs)] * max(0, c.get("failed", 0) - len(s.failed))
        elif c and not c.get("running"):
            # started, no marker, and the run's process is gone: the task was interrupted
            s.running = 0
            s.failed += s.started
    if "finalize" in counts:
        record["finalize"] = counts["finalize"]
    stats = {}
    stats_dir = layout.root / "stats"
    if stats_dir.is_dir():
        for f in stats_dir.glob("*.json"):
            try:
                stats[f.stem] = json.loads(f.read_text())
            except json.JSONDecodeError:
                pass
    return record, states, stats
