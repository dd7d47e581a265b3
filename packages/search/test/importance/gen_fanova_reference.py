"""Reference importances from Optuna 3.1's fANOVA for importance.test.ts.

Draws the trials of a few test functions (numpy, fixed seeds), asks
optuna.importance.get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=0)),
and writes the trials with Optuna's answer to fanova-optuna.json beside this file.
Needs optuna 3.1 and scikit-learn: `apt-get install -y python3-optuna python3-sklearn`.
Run: /usr/bin/python3 packages/search/test/importance/gen_fanova_reference.py
"""
import json
import math
import os

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.importance import FanovaImportanceEvaluator, get_param_importances

optuna.logging.set_verbosity(optuna.logging.WARNING)


def branin(x1, x2):
    a, b, c, r, s, t = 1, 5.1 / (4 * math.pi**2), 5 / math.pi, 6, 10, 1 / (8 * math.pi)
    return a * (x2 - b * x1**2 + c * x1 - r) ** 2 + s * (1 - t) * math.cos(x1) + s


ACTIVATION_COST = {"relu": 0.0, "gelu": 0.4, "tanh": 1.5}

CASES = [
    {
        "name": "linear 10x + 0.1y, z unused",
        "space": {
            "x": {"type": "float", "low": 0, "high": 1},
            "y": {"type": "float", "low": 0, "high": 1},
            "z": {"type": "float", "low": 0, "high": 1},
        },
        "draw": lambda rng: {"x": rng.uniform(0, 1), "y": rng.uniform(0, 1), "z": rng.uniform(0, 1)},
        "f": lambda p: 10 * p["x"] + 0.1 * p["y"],
        "n": 1000,
    },
    {
        "name": "branin with an unused third parameter",
        "space": {
            "x1": {"type": "float", "low": -5, "high": 10},
            "x2": {"type": "float", "low": 0, "high": 15},
            "unused": {"type": "float", "low": 0, "high": 1},
        },
        "draw": lambda rng: {"x1": rng.uniform(-5, 10), "x2": rng.uniform(0, 15), "unused": rng.uniform(0, 1)},
        "f": lambda p: branin(p["x1"], p["x2"]),
        "n": 400,
    },
    {
        "name": "mixed: int, categorical, float with decreasing effects",
        "space": {
            "layers": {"type": "int", "low": 1, "high": 8},
            "activation": {"type": "categorical", "choices": ["relu", "gelu", "tanh"]},
            "dropout": {"type": "float", "low": 0, "high": 0.5},
            "noise": {"type": "float", "low": 0, "high": 1},
        },
        "draw": lambda rng: {
            "layers": int(rng.randint(1, 9)),
            "activation": ["relu", "gelu", "tanh"][rng.randint(0, 3)],
            "dropout": rng.uniform(0, 0.5),
            "noise": rng.uniform(0, 1),
        },
        "f": lambda p: (p["layers"] - 5) ** 2 + ACTIVATION_COST[p["activation"]] * 2 + 0.5 * p["dropout"],
        "n": 500,
    },
]


def distribution(spec):
    if spec["type"] == "float":
        return FloatDistribution(spec["low"], spec["high"])
    if spec["type"] == "int":
        return IntDistribution(spec["low"], spec["high"])
    return CategoricalDistribution(spec["choices"])


def main():
    out = []
    for index, case in enumerate(CASES):
        rng = np.random.RandomState(100 + index)
        study = optuna.create_study()
        distributions = {name: distribution(spec) for name, spec in case["space"].items()}
        trials = []
        for _ in range(case["n"]):
            params = case["draw"](rng)
            params = {k: (float(v) if isinstance(v, (float, np.floating)) else v) for k, v in params.items()}
            value = float(case["f"](params))
            study.add_trial(optuna.trial.create_trial(params=params, distributions=distributions, value=value))
            trials.append({"params": params, "value": value})
        importances = get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=0))
        out.append(
            {
                "name": case["name"],
                "space": case["space"],
                "trials": trials,
                "optuna": [{"name": k, "importance": float(v)} for k, v in importances.items()],
            }
        )
        print(case["name"], {k: round(float(v), 6) for k, v in importances.items()})
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "fanova-optuna.json"), "w") as fh:
        json.dump({"generator": "gen_fanova_reference.py", "optuna": optuna.__version__, "cases": out}, fh)


if __name__ == "__main__":
    main()
