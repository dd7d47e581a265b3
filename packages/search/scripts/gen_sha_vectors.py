"""Golden vectors for SuccessiveHalvingPruner(rule: 'optuna').

Drives Optuna's real SuccessiveHalvingPruner (optuna/pruners/_successive_halving.py) through
scripted studies built with the ask/tell API and records every should_prune() answer, so that
the TypeScript pruner can be replayed against them decision by decision.

Run:  /usr/bin/python3 packages/search/scripts/gen_sha_vectors.py > packages/search/test/fixtures/sha-golden.json

Scenario protocol (the one the TypeScript pruner documents as its precondition):
  * each trial reports its steps in increasing order (a repeated step is ignored: first wins);
  * the pruner is consulted right after every report;
  * a trial told to prune is told PRUNED at once.
Everything else varies: interleaving of concurrent trials, ties, NaN, sparse reports that skip
rungs, trials failing between rungs, direction, eta, min_resource ('auto' included),
min_early_stopping_rate and bootstrap_count.

Events (NaN is written as null, JSON has no NaN):
  {"op": "ask", "trial": n}
  {"op": "report", "trial": n, "step": s, "value": v, "prune": bool}   # prune = Optuna's answer
  {"op": "tell", "trial": n, "state": "complete" | "pruned" | "failed", "value"?: v}
At the end of each scenario, "rungs" lists every trial's recorded rung values (Optuna's
completed_rung_<k> system attrs) for documentation and record-level checks.
"""

import json
import math
import random
import sys
import warnings

import optuna
from optuna.trial import TrialState

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.simplefilter("ignore")


def enc(v):
    return None if isinstance(v, float) and math.isnan(v) else v


def run_scenario(name, rnd, direction, config, n_trials, concurrency, steps_of, value_of, fail_prob):
    pruner = optuna.pruners.SuccessiveHalvingPruner(
        min_resource=config["minResource"],
        reduction_factor=config["reductionFactor"],
        min_early_stopping_rate=config["minEarlyStoppingRate"],
        bootstrap_count=config["bootstrapCount"],
    )
    study = optuna.create_study(direction=direction, pruner=pruner)
    events = []
    pending = list(range(n_trials))
    active = {}  # trial number -> (trial, remaining steps, last value)
    next_number = 0
    while pending or active:
        while pending and len(active) < concurrency:
            pending.pop(0)
            trial = study.ask()
            assert trial.number == next_number
            next_number += 1
            events.append({"op": "ask", "trial": trial.number})
            active[trial.number] = [trial, steps_of(rnd, trial.number), None]
        number = rnd.choice(sorted(active))
        trial, steps, last = active[number]
        if not steps:
            del active[number]
            if last is None or math.isnan(last):
                study.tell(trial, state=TrialState.FAIL)
                events.append({"op": "tell", "trial": number, "state": "failed"})
            else:
                study.tell(trial, last)
                events.append({"op": "tell", "trial": number, "state": "complete", "value": last})
            continue
        if rnd.random() < fail_prob:
            del active[number]
            study.tell(trial, state=TrialState.FAIL)
            events.append({"op": "tell", "trial": number, "state": "failed"})
            continue
        step = steps.pop(0)
        value = value_of(rnd, number, step)
        trial.report(value, step)
        prune = trial.should_prune()
        stored = study._storage.get_trial(trial._trial_id).intermediate_values[step]
        events.append(
            {"op": "report", "trial": number, "step": step, "value": enc(value), "prune": prune}
        )
        active[number][2] = stored
        if prune:
            del active[number]
            study.tell(trial, state=TrialState.PRUNED)
            events.append({"op": "tell", "trial": number, "state": "pruned"})
    rungs = {}
    for t in study.get_trials(deepcopy=False):
        rec = {}
        k = 0
        while "completed_rung_{}".format(k) in t.system_attrs:
            rec[str(k)] = enc(t.system_attrs["completed_rung_{}".format(k)])
            k += 1
        rungs[str(t.number)] = rec
    return {
        "name": name,
        "direction": direction,
        "config": config,
        "events": events,
        "rungs": rungs,
    }


def dense(max_step_low, max_step_high, start=0):
    def steps_of(rnd, number):
        return list(range(start, rnd.randint(max_step_low, max_step_high) + 1))

    return steps_of


def sparse(max_step, keep):
    def steps_of(rnd, number):
        return [s for s in range(max_step + 1) if rnd.random() < keep] or [max_step]

    return steps_of


def with_repeats(inner, prob):
    """Some steps reported twice (Optuna ignores the second report; the pruner is still asked)."""

    def steps_of(rnd, number):
        out = []
        for s in inner(rnd, number):
            out.append(s)
            if rnd.random() < prob:
                out.append(s)
        return out

    return steps_of


def noisy_curve(rnd_values):
    """Loss-like curves: a per-trial level that decays with the step, plus noise."""
    levels = {}

    def value_of(rnd, number, step):
        if number not in levels:
            levels[number] = rnd.uniform(0.2, 2.0)
        return round(levels[number] / (1 + 0.1 * step) + rnd.gauss(0, rnd_values), 4)

    return value_of


def discrete(choices, nan_prob=0.0):
    def value_of(rnd, number, step):
        if rnd.random() < nan_prob:
            return float("nan")
        return rnd.choice(choices)

    return value_of


def with_nan(inner, prob):
    def value_of(rnd, number, step):
        if rnd.random() < prob:
            return float("nan")
        return inner(rnd, number, step)

    return value_of


def main():
    rnd = random.Random(20240611)
    scenarios = []
    idx = 0

    def add(family, direction, config, n_trials, concurrency, steps_of, value_of, fail_prob=0.0):
        nonlocal idx
        name = "{:03d}-{}-{}-r{}-eta{}-s{}-b{}".format(
            idx,
            family,
            direction[:3],
            config["minResource"],
            config["reductionFactor"],
            config["minEarlyStoppingRate"],
            config["bootstrapCount"],
        )
        idx += 1
        scenarios.append(
            run_scenario(
                name, rnd, direction, config, n_trials, concurrency, steps_of, value_of, fail_prob
            )
        )

    def cfg(r, eta, s=0, b=0):
        return {
            "minResource": r,
            "reductionFactor": eta,
            "minEarlyStoppingRate": s,
            "bootstrapCount": b,
        }

    directions = ["minimize", "maximize"]
    # Interleaved dense reports, continuous values.
    for direction in directions:
        for r, eta, s in [(1, 2, 0), (1, 3, 0), (2, 2, 0), (1, 4, 1), (3, 3, 0), (1, 2, 2)]:
            add("dense", direction, cfg(r, eta, s), rnd.randint(6, 14), rnd.randint(1, 4),
                dense(6, 30), noisy_curve(0.05))
    # Ties: values from a small set, many equal competitors.
    for direction in directions:
        for r, eta in [(1, 2), (1, 3), (2, 3), (1, 4)]:
            add("ties", direction, cfg(r, eta), rnd.randint(6, 14), rnd.randint(1, 4),
                dense(4, 20), discrete([0.1, 0.2, 0.3]))
    # NaN reports (prune at a rung, ignored between rungs).
    for direction in directions:
        for r, eta in [(1, 2), (1, 3), (2, 2)]:
            add("nan", direction, cfg(r, eta), rnd.randint(6, 14), rnd.randint(1, 4),
                dense(4, 20), with_nan(noisy_curve(0.05), 0.12))
            add("nan-ties", direction, cfg(r, eta), rnd.randint(6, 12), rnd.randint(1, 3),
                dense(4, 16), discrete([0.5, 1.0], nan_prob=0.1))
    # Sparse reports that skip rungs: one report may cross several rungs.
    for direction in directions:
        for r, eta, s in [(1, 2, 0), (1, 3, 0), (2, 2, 0), (1, 2, 1), (1, 4, 0)]:
            add("sparse", direction, cfg(r, eta, s), rnd.randint(6, 14), rnd.randint(1, 4),
                sparse(rnd.randint(8, 40), 0.3), noisy_curve(0.1))
    # Trials failing between rungs.
    for direction in directions:
        for r, eta in [(1, 2), (1, 3), (2, 3)]:
            add("fail", direction, cfg(r, eta), rnd.randint(8, 16), rnd.randint(2, 4),
                dense(6, 24), noisy_curve(0.05), fail_prob=0.06)
    # Bootstrap counts.
    for direction in directions:
        for r, eta, b in [(1, 2, 1), (1, 3, 2), (2, 2, 3), (1, 2, 4)]:
            add("bootstrap", direction, cfg(r, eta, 0, b), rnd.randint(6, 14), rnd.randint(1, 4),
                dense(4, 20), noisy_curve(0.05))
    # Repeated reports of a step (first report wins), steps starting at 1.
    for direction in directions:
        for r, eta in [(1, 2), (2, 3)]:
            add("repeat", direction, cfg(r, eta), rnd.randint(6, 12), rnd.randint(1, 3),
                with_repeats(dense(4, 16, start=1), 0.2), noisy_curve(0.05))
    # Everything at once.
    for direction in directions:
        for _ in range(6):
            r, eta, s, b = rnd.choice([1, 2, 3]), rnd.choice([2, 3, 4]), rnd.choice([0, 1]), rnd.choice([0, 0, 1, 2])
            add("mixed", direction, cfg(r, eta, s, b), rnd.randint(8, 18), rnd.randint(1, 5),
                with_repeats(sparse(rnd.randint(10, 40), 0.5), 0.1),
                with_nan(discrete([0.1, 0.2, 0.3, 0.4, 0.55, 0.7]), 0.05), fail_prob=0.04)
    # min_resource='auto' in sequential studies (one trial at a time, as Optuna's default loop).
    for direction in directions:
        for eta, n_steps in [(2, 150), (3, 250), (2, 420)]:
            add("auto", direction, cfg("auto", eta), rnd.randint(5, 9), 1,
                dense(n_steps, n_steps), noisy_curve(0.02), fail_prob=0.0)

    decisions = sum(1 for sc in scenarios for e in sc["events"] if e["op"] == "report")
    prunes = sum(1 for sc in scenarios for e in sc["events"] if e["op"] == "report" and e["prune"])
    json.dump(
        {
            "generator": "packages/search/scripts/gen_sha_vectors.py",
            "optuna": optuna.__version__,
            "scenarios": len(scenarios),
            "decisions": decisions,
            "prunes": prunes,
            "cases": scenarios,
        },
        sys.stdout,
        separators=(",", ":"),
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
