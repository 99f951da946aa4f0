"""OUTPUT/stats/<stage>.json from datatrove's per-task stats (logs/<job>/stats/<rank>.json).

The per-task files are the source of truth: they survive resumes (a rerun skips finished tasks,
whose counts stay in their files) and Slurm runs (`curator finalize` rebuilds from them).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from curator.core.accounting import COUNTERS, IO_STEP, KeyKind, StatKey, parse_key
from curator.core.atomic import write_json_atomic
from curator.core.paths import RunLayout


def _total(value) -> float:
    if isinstance(value, dict):
        return value.get("total", 0)
    return value or 0


def read_task_stats(logs_dir: Path) -> dict[int, list[dict]]:
    out = {}
    stats_dir = logs_dir / "stats"
    if not stats_dir.is_dir():
        return out
    for f in sorted(stats_dir.glob("*.json")):
        try:
            out[int(f.stem)] = json.loads(f.read_text())
        except (ValueError, json.JSONDecodeError):
            continue  # written by a task killed mid-write: that task is not complete and will rerun
    return out


def completed_tasks(logs_dir: Path) -> set[int]:
    d = logs_dir / "completions"
    return {int(p.name) for p in d.iterdir() if p.name.isdigit()} if d.is_dir() else set()


def _empty_stage(stage: str) -> dict:
    return {
        "stage": stage,
        "jobs": [],
        "tasks": {"total": 0, "done": 0},
        "docs_in": 0,
        "docs_out": 0,
        "chars_in": 0,
        "chars_out": 0,
        "removed": {},
        "skipped": {},
        "file_errors": {},
        "per_language": {},
        "metrics": {},
        "time_s": 0.0,
    }


def _lang(stage_stats: dict, lang: str) -> dict:
    return stage_stats["per_language"].setdefault(lang, {**dict.fromkeys(COUNTERS, 0), "removed": {}})


def _add(st: dict, key: StatKey, value, first_in: bool) -> None:
    """File one summed stat of a job under its stage's stats (a stage's *_in counters come from
    its first job only: a stage split over several jobs is entered once)."""
    if key.language is not None:
        ls = _lang(st, key.language)  # a language seen in any key gets its entry (zeros if need be)
        if key.kind is KeyKind.COUNTER and (first_in or not key.name.endswith("_in")):
            ls[key.name] = value
        elif key.kind is KeyKind.REMOVED:
            ls["removed"][key.name] = ls["removed"].get(key.name, 0) + value
        # other per-language metrics (e.g. quality's scored_docs) are not kept in stats/*.json
    elif key.kind is KeyKind.COUNTER:
        if first_in or not key.name.endswith("_in"):
            st[key.name] = value
    elif key.kind is KeyKind.REMOVED:
        st["removed"][key.name] = st["removed"].get(key.name, 0) + value
    elif key.kind in (KeyKind.SKIPPED, KeyKind.FILE_ERROR):
        section = st["skipped" if key.kind is KeyKind.SKIPPED else "file_errors"]
        section[key.name] = section.get(key.name, 0) + value
    elif key.kind is KeyKind.PEAK:
        st["metrics"][key.name] = max(st["metrics"].get(key.name, 0), value)
    else:
        st["metrics"][key.name] = st["metrics"].get(key.name, 0) + value


def build_stage_stats(jobs: list[dict], layout: RunLayout) -> dict[str, dict]:
    """jobs: run.json's job descriptions (name, tasks, stages, step_stages) in run order."""
    stages: dict[str, dict] = {}
    # counters of a stage split over several jobs: docs_in from its first job, docs_out from its last
    seen_in: set[str] = set()
    for job in jobs:
        logs = layout.logs(job["name"])
        per_task = read_task_stats(logs)
        done = completed_tasks(logs)
        step_stages = job["step_stages"]
        job_counts: dict[str, dict] = defaultdict(lambda: defaultdict(float))
        job_time: dict[str, float] = defaultdict(float)
        for rank, steps in per_task.items():
            if rank not in done:
                continue
            for i, step in enumerate(steps):
                if i >= len(step_stages) or step_stages[i] == IO_STEP:
                    continue
                stage = step_stages[i]
                job_time[stage] += _total(step.get("time_stats"))
                for key, value in (step.get("stats") or {}).items():
                    if (
                        parse_key(key).kind is KeyKind.PEAK
                    ):  # a task's peak (memory...): the stage's is the largest
                        job_counts[stage][key] = max(job_counts[stage][key], _total(value))
                    else:
                        job_counts[stage][key] += _total(value)
        for stage in dict.fromkeys(s for s in step_stages if s != IO_STEP):
            st = stages.setdefault(stage, _empty_stage(stage))
            st["jobs"].append(job["name"])
            st["tasks"]["total"] += job["tasks"]
            st["tasks"]["done"] += len(done)
            st["time_s"] = round(st["time_s"] + job_time[stage], 3)
            first_in = stage not in seen_in
            seen_in.add(stage)
            for key, value in job_counts[stage].items():
                _add(st, parse_key(key), int(value) if float(value).is_integer() else value, first_in)
    for st in stages.values():
        st["per_language"] = dict(sorted(st["per_language"].items()))
    return stages


def write_stage_stats(jobs: list[dict], layout: RunLayout) -> dict[str, dict]:
    stages = build_stage_stats(jobs, layout)
    out_dir = layout.root / "stats"
    out_dir.mkdir(parents=True, exist_ok=True)
    for stage, st in stages.items():
        write_json_atomic(layout.stats(stage), st)
    return stages
