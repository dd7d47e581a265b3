"""Optuna reference for `pnpm bench:search`: the same problems, metric and protocol with Optuna's TPE.

Run:  /usr/bin/python3 packages/search/bench/optuna_reference.py [--quick] [--seeds N] [--multivariate] [--speed]

Problems and metric mirror bench/problems.ts and bench/quality.ts: sequential ask/tell, regret of the
best value so far, floor 1e-6; printed are the median over seeds of the mean log10 regret over the
run, in brackets the median final regret, and in parentheses the mean and its standard error (compare
on these, over 40 seeds or more: 20-seed medians move by ±0.2 on Branin). Keep the problem
definitions in step with problems.ts.
"""

import math
import statistics
import sys
import time
import warnings

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)

REGRET_FLOOR = 1e-6


def branin(p):
    x1, x2 = p["x1"], p["x2"]
    b = 5.1 / (4 * math.pi**2)
    c = 5 / math.pi
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x1) + 10


H6_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
H6_P = [[v * 1e-4 for v in r] for r in [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991], [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]]
H6_ALPHA = [1, 1.2, 3, 3.2]


def hartmann6(p):
    s = 0.0
    for i in range(4):
        inner = sum(H6_A[i][j] * (p[f"x{j}"] - H6_P[i][j]) ** 2 for j in range(6))
        s += H6_ALPHA[i] * math.exp(-inner)
    return -s


def rosenbrock4(p):
    return sum(100 * (p[f"x{i + 1}"] - p[f"x{i}"] ** 2) ** 2 + (1 - p[f"x{i}"]) ** 2 for i in range(3))


def styblinski_tang5(p):
    return sum(p[f"x{i}"] ** 4 - 16 * p[f"x{i}"] ** 2 + 5 * p[f"x{i}"] for i in range(5)) / 2


def log_scale(p):
    return (math.log10(p["learning_rate"]) + 2.5) ** 2 + 0.5 * (math.log10(p["weight_decay"]) + 4) ** 2 + 0.25 * (math.log2(p["width"]) - 7) ** 2


OPTIMIZER_PENALTY = {"sgd": 1, "adam": 0, "rmsprop": 0.4, "adagrad": 1.5}


def mixed(p):
    return OPTIMIZER_PENALTY[p["optimizer"]] + ((p["batch_size"] - 128) / 128) ** 2 + 10 * (p["dropout"] - 0.2) ** 2 + 0.3 * abs(p["layers"] - 3)


def box(names, low, high):
    return {k: optuna.distributions.FloatDistribution(low, high) for k in names}


D = optuna.distributions
PROBLEMS = [
    ("Branin", {"x1": D.FloatDistribution(-5, 10), "x2": D.FloatDistribution(0, 15)}, 100, 0.397887357729738, branin),
    ("Hartmann-6", box([f"x{i}" for i in range(6)], 0, 1), 200, -3.32236801141551, hartmann6),
    ("Rosenbrock-4", box([f"x{i}" for i in range(4)], -5, 10), 100, 0.0, rosenbrock4),
    ("Styblinski-Tang-5", box([f"x{i}" for i in range(5)], -5, 5), 100, -39.16616570377142 * 5, styblinski_tang5),
    (
        "Log-scale-3",
        {
            "learning_rate": D.FloatDistribution(1e-5, 1, log=True),
            "weight_decay": D.FloatDistribution(1e-7, 1e-1, log=True),
            "width": D.IntDistribution(8, 1024, log=True),
        },
        100,
        0.0,
        log_scale,
    ),
    (
        "Mixed-4",
        {
            "batch_size": D.IntDistribution(16, 512, step=16),
            "layers": D.IntDistribution(1, 8),
            "dropout": D.FloatDistribution(0, 0.5, step=0.05),
            "optimizer": D.CategoricalDistribution(["sgd", "adam", "rmsprop", "adagrad"]),
        },
        100,
        0.0,
        mixed,
    ),
]


def run(space, trials, optimum, fn, sampler):
    study = optuna.create_study(sampler=sampler)
    best = math.inf
    total = 0.0
    for _ in range(trials):
        trial = study.ask(space)
        value = fn(trial.params)
        study.tell(trial, value)
        best = min(best, value - optimum)
        total += math.log10(max(best, REGRET_FLOOR))
    return max(best, 0.0), total / trials


def fmt(x, digits=2):
    if x == 0:
        return "0"
    return f"{x:.{digits}f}" if 1e-2 <= abs(x) < 1e4 else f"{x:.1e}"


def mean_se(xs):
    return statistics.mean(xs), statistics.stdev(xs) / math.sqrt(len(xs))


def quality(seeds, multivariate):
    label = "TPE multivariate" if multivariate else "TPE univariate"
    print(f"## Optuna {optuna.__version__} quality: median over {seeds} seeds of mean log10 regret [median final regret] (mean ± standard error)")
    print(f"| problem (trials) | Optuna {label} | Optuna random |")
    print("|---|---|---|")
    for name, space, trials, optimum, fn in PROBLEMS:
        cells = []
        for make in (lambda s: optuna.samplers.TPESampler(seed=s, multivariate=multivariate), lambda s: optuna.samplers.RandomSampler(seed=s)):
            runs = [run(space, trials, optimum, fn, make(seed)) for seed in range(seeds)]
            mean, se = mean_se([r[1] for r in runs])
            cells.append(f"{fmt(statistics.median(r[1] for r in runs))} [{fmt(statistics.median(r[0] for r in runs), 3)}] ({fmt(mean)} ± {fmt(se)})")
        print(f"| {name} ({trials}) | {' | '.join(cells)} |", flush=True)
    print()


def speed():
    space = {
        "learning_rate": D.FloatDistribution(1e-5, 0.1, log=True),
        "dropout": D.FloatDistribution(0.0, 0.5, step=0.05),
        "batch_size": D.IntDistribution(25, 500, step=25),
        "starting_channels": D.IntDistribution(16, 64),
        "width": D.IntDistribution(8, 1024, log=True),
        "activation": D.CategoricalDistribution(["relu", "gelu", "elu"]),
    }
    print(f"## Optuna {optuna.__version__} speed: median ask() latency (ms) on the 6-parameter mixed space")
    print("| finished trials | TPE univariate | TPE multivariate |")
    print("|---|---|---|")
    for n in (100, 1000, 3000):
        cells = []
        for multivariate in (False, True):
            study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=7))
            for _ in range(n):
                t = study.ask(space)
                study.tell(t, (math.log10(t.params["learning_rate"]) + 3) ** 2 + (t.params["dropout"] - 0.2) ** 2)
            study.sampler = optuna.samplers.TPESampler(seed=0, multivariate=multivariate)
            times = []
            for _ in range(15):
                start = time.perf_counter()
                t = study.ask(space)
                times.append((time.perf_counter() - start) * 1e3)
                study.tell(t, 1.0)
            cells.append(f"{statistics.median(times):.1f}")
        print(f"| {n} | {' | '.join(cells)} |", flush=True)
    print()


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--speed" in args:
        speed()
    else:
        n_seeds = int(args[args.index("--seeds") + 1]) if "--seeds" in args else 5 if "--quick" in args else 20
        if n_seeds < 2:
            raise SystemExit("--seeds must be at least 2")
        quality(n_seeds, "--multivariate" in args)
