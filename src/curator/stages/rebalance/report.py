"""mix.json: what the mix holds per language, where the numbers came from, and checks that it adds up."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

from curator.stages.rebalance.plan import RebalancePlan

_REPS_KEY = re.compile(r"^repetitions_(\d+)$")
_SHARE_TOLERANCE = 1e-9


def mix_report(plan: RebalancePlan, counts: Mapping[str, Counter]) -> dict:
    """Combine the plan and the write tasks' counts. Raises if the mix breaks its own rules (a bug)."""
    cap = plan.max_repetitions
    languages: dict[str, dict] = {}
    for lang, lp in sorted(plan.languages.items()):
        c = counts.get(lang, Counter())
        cpt = lp.chars_per_token
        histogram = {int(m.group(1)): n for key, n in c.items() if (m := _REPS_KEY.match(key))}
        tokens_before = c["chars_before"] / cpt
        tokens_after = c["chars_after"] / cpt
        mix = lp.mix
        languages[lang] = {
            "documents": c["documents"],
            "documents_in_mix": c["documents_in_mix"],
            "documents_left_out": c["documents"] - c["documents_in_mix"],
            "documents_at_cap": histogram.get(cap, 0),
            "max_repetitions": max((k for k, n in histogram.items() if n), default=0),
            "repetitions_histogram": {str(k): histogram[k] for k in sorted(histogram)},
            "tokens_before": round(tokens_before),
            "tokens_after": round(tokens_after),
            "chars_per_token": cpt,
            "effective_repetition": round(tokens_after / tokens_before, 4) if tokens_before else 0.0,
            "target_share": mix.target_share,
            "share": 0.0,  # filled below
            "limited_by": mix.limited_by,
            "scale": mix.scale,
            "rehydration": {
                "bucket_weights": dict(zip(plan.buckets, lp.bucket_weights, strict=True)),
                "bucket_documents": dict(zip(plan.buckets, lp.bucket_documents, strict=True)),
                "quality_mean": lp.quality_mean,
                **(lp.rehydration_detail.model_dump() if lp.rehydration_detail else {}),
            },
            "_tokens_after": tokens_after,
        }
    total_after = sum(v["_tokens_after"] for v in languages.values())
    for v in languages.values():
        v["share"] = v.pop("_tokens_after") / total_after if total_after else 0.0
    unreachable = [
        {
            "language": lang,
            "target_share": v["target_share"],
            "share": v["share"],
            "target_tokens": round(plan.languages[lang].mix.target_tokens),
            "max_tokens_within_cap": round(plan.languages[lang].mix.max_tokens),
            "reason": f"needs more than {cap} repetitions per document; kept at the cap",
        }
        for lang, v in languages.items()
        if v["limited_by"] == "repetition_cap"
    ]
    share_sum = sum(v["share"] for v in languages.values())
    max_seen = max((v["max_repetitions"] for v in languages.values()), default=0)
    if languages and total_after and abs(share_sum - 1.0) > _SHARE_TOLERANCE:
        raise RuntimeError(f"mix shares sum to {share_sum}, not 1 (a bug in curator.stages.rebalance)")
    if max_seen > cap:
        raise RuntimeError(
            f"a document is repeated {max_seen} times, over the cap {cap} (a bug in curator.stages.rebalance)"
        )
    return {
        "token_estimator": plan.token_estimator,
        "max_repetitions": cap,
        "materialized": plan.materialize,
        "rehydration": plan.rehydration.model_dump(),
        "mixing": plan.mixing.model_dump(),
        "notes": plan.notes,
        "totals": {
            "documents": sum(v["documents"] for v in languages.values()),
            "documents_in_mix": sum(v["documents_in_mix"] for v in languages.values()),
            "tokens_before": sum(v["tokens_before"] for v in languages.values()),
            "tokens_after": sum(v["tokens_after"] for v in languages.values()),
            "max_repetitions": max_seen,
        },
        "checks": {"shares_sum": round(share_sum, 12), "max_repetitions_within_cap": max_seen <= cap},
        "unreachable": unreachable,
        "languages": languages,
    }
