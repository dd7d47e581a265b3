"""Golden vectors for SuccessiveHalvingPruner(rule: 'ray').

Ray is not installable on this machine, so this script carries a small re-implementation of
ray/tune/schedulers/async_hyperband.py (Ray 2.x): `_Bracket.__init__` (milestones), `_Bracket.cutoff`
(numpy.nanpercentile at (1 - 1/eta) * 100, the real numpy function) and `_Bracket.on_result`
(one milestone per result, highest first), behind `AsyncHyperBandScheduler.on_trial_result` with
stop_last_trials=True (a result at or past max_t stops the trial without consulting the bracket)
and metric_op (values negated when minimising). `on_trial_complete` is not modelled (see
ray-asha-rule.ts).

Run:  /usr/bin/python3 packages/search/scripts/gen_ray_asha_vectors.py > packages/search/test/fixtures/ray-asha-golden.json

Events (NaN written as null):
  {"op": "ask", "trial": n}
  {"op": "report", "trial": n, "step": s, "value": v, "prune": bool, "final"?: true}
  {"op": "tell", "trial": n, "state": "complete" | "pruned" | "failed", "value"?: v}
"final" marks a result at or past max_t: Ray stops the trial as finished, not as pruned.
"""

import json
import math
import random
import sys
import warnings

import numpy as np

warnings.simplefilter("ignore")


class Bracket:
    """ray/tune/schedulers/async_hyperband.py `_Bracket`, with stop_last_trials=True."""

    def __init__(self, min_t, max_t, reduction_factor, s):
        self.rf = reduction_factor
        max_rungs = int(np.log(max_t / min_t) / np.log(self.rf) - s + 1)
        self.rungs = [(min_t * self.rf ** (k + s), {}) for k in reversed(range(max_rungs))]

    def cutoff(self, recorded):
        if not recorded:
            return None
        return np.nanpercentile(list(recorded.values()), (1 - 1 / self.rf) * 100)

    def on_result(self, trial_id, cur_iter, cur_rew):
        action = "CONTINUE"
        for milestone, recorded in self.rungs:
            if cur_iter < milestone or trial_id in recorded:
                continue
            cutoff = self.cutoff(recorded)
            if cutoff is not None and cur_rew < cutoff:
                action = "STOP"
            recorded[trial_id] = cur_rew
            break
        return action


def enc(v):
    return None if isinstance(v, float) and math.isnan(v) else v


def run_scenario(name, rnd, direction, config, n_trials, concurrency, steps_of, value_of, fail_prob):
    bracket = Bracket(
        config["minResource"], config["maxResource"], config["reductionFactor"],
        config["minEarlyStoppingRate"],
    )
    metric_op = 1.0 if direction == "maximize" else -1.0
    events = []
    pending = list(range(n_trials))
    active = {}
    while pending or active:
        while pending and len(active) < concurrency:
            number = pending.pop(0)
            events.append({"op": "ask", "trial": number})
            active[number] = [steps_of(rnd, number), None]
        number = rnd.choice(sorted(active))
        steps, last = active[number]
        if not steps:
            del active[number]
            if last is None or math.isnan(last):
                events.append({"op": "tell", "trial": number, "state": "failed"})
            else:
                events.append({"op": "tell", "trial": number, "state": "complete", "value": last})
            continue
        if rnd.random() < fail_prob:
            del active[number]
            events.append({"op": "tell", "trial": number, "state": "failed"})
            continue
        step = steps.pop(0)
        value = value_of(rnd, number, step)
        active[number][1] = value
        if step >= config["maxResource"]:
            events.append({"op": "report", "trial": number, "step": step, "value": enc(value),
                           "prune": False, "final": True})
            del active[number]
            events.append({"op": "tell", "trial": number, "state": "complete", "value": enc(value)})
            continue
        action = bracket.on_result(number, step, metric_op * value)
        events.append({"op": "report", "trial": number, "step": step, "value": enc(value),
                       "prune": action == "STOP"})
        if action == "STOP":
            del active[number]
            events.append({"op": "tell", "trial": number, "state": "pruned"})
    return {"name": name, "direction": direction, "config": config, "events": events}


def dense(low, high, start=1):
    return lambda rnd, number: list(range(start, rnd.randint(low, high) + 1))


def sparse(max_step, keep):
    return lambda rnd, number: [s for s in range(1, max_step + 1) if rnd.random() < keep] or [max_step]


def curve(noise, nan_prob=0.0):
    levels = {}

    def value_of(rnd, number, step):
        if rnd.random() < nan_prob:
            return float("nan")
        if number not in levels:
            levels[number] = rnd.uniform(0.2, 2.0)
        return round(levels[number] / (1 + 0.1 * step) + rnd.gauss(0, noise), 4)

    return value_of


def discrete(choices):
    return lambda rnd, number, step: rnd.choice(choices)


def main():
    rnd = random.Random(7031)
    scenarios = []

    def add(family, direction, config, n_trials, concurrency, steps_of, value_of, fail_prob=0.0):
        name = "{:03d}-{}-{}-r{}-eta{}-s{}-max{}".format(
            len(scenarios), family, direction[:3], config["minResource"],
            config["reductionFactor"], config["minEarlyStoppingRate"], config["maxResource"],
        )
        scenarios.append(run_scenario(name, rnd, direction, config, n_trials, concurrency,
                                      steps_of, value_of, fail_prob))

    def cfg(r, eta, s, max_t):
        return {"minResource": r, "reductionFactor": eta, "minEarlyStoppingRate": s,
                "maxResource": max_t}

    for direction in ["minimize", "maximize"]:
        for r, eta, s, max_t in [(1, 2, 0, 16), (1, 3, 0, 27), (2, 2, 0, 20), (1, 4, 1, 64),
                                 (1, 10, 0, 1000), (3, 3, 0, 30), (1, 2, 1, 12)]:
            add("dense", direction, cfg(r, eta, s, max_t), rnd.randint(6, 16), rnd.randint(1, 4),
                dense(4, min(max_t, 40)), curve(0.05))
        for r, eta, max_t in [(1, 2, 16), (1, 3, 27), (1, 4, 32)]:
            add("ties", direction, cfg(r, eta, 0, max_t), rnd.randint(6, 16), rnd.randint(1, 4),
                dense(3, max_t), discrete([0.1, 0.2, 0.3]))
            add("nan", direction, cfg(r, eta, 0, max_t), rnd.randint(6, 16), rnd.randint(1, 4),
                dense(3, max_t), curve(0.05, nan_prob=0.1))
            add("sparse", direction, cfg(r, eta, 0, max_t), rnd.randint(6, 16), rnd.randint(1, 4),
                sparse(max_t, 0.3), curve(0.1))
            add("fail", direction, cfg(r, eta, 0, max_t), rnd.randint(8, 16), rnd.randint(2, 4),
                dense(3, max_t), curve(0.05), fail_prob=0.06)

    decisions = sum(1 for sc in scenarios for e in sc["events"] if e["op"] == "report")
    prunes = sum(1 for sc in scenarios for e in sc["events"] if e["op"] == "report" and e["prune"])
    json.dump({"generator": "packages/search/scripts/gen_ray_asha_vectors.py",
               "numpy": np.__version__, "scenarios": len(scenarios), "decisions": decisions,
               "prunes": prunes, "cases": scenarios}, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
