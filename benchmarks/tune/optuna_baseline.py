"""Optuna's TPESampler on the same objectives, budget and seeds as kf-tune-bench; prints the same summary line.

    python optuna_baseline.py --function branin|hartmann6|rosenbrock4|digits-svc [--trials 50] [--seeds 10]
                              [--univariate]

The sampler is TPESampler with Optuna's defaults and the seed (in Optuna 5: multivariate, constant liar,
10 startup trials, 24 EI candidates); --univariate sets multivariate=False (Optuna 4's default).
"""
import argparse
import math
import statistics
import sys
import time

import optuna


def branin(x1, x2):
    b = 5.1 / (4 * math.pi ** 2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def hartmann6(x):
    alpha = [1.0, 1.2, 3.0, 3.2]
    a = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
         [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
    p = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
         [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
    s = 0.0
    for i in range(4):
        inner = sum(a[i][j] * (x[j] - p[i][j] * 1e-4) ** 2 for j in range(6))
        s += alpha[i] * math.exp(-inner)
    return -s


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def make_objective(name):
    if name == "branin":
        return "minimize", lambda t: branin(t.suggest_float("x1", -5, 10), t.suggest_float("x2", 0, 15))
    if name == "hartmann6":
        return "minimize", lambda t: hartmann6([t.suggest_float("x%d" % i, 0, 1) for i in range(1, 7)])
    if name == "rosenbrock4":
        return "minimize", lambda t: rosenbrock([t.suggest_float("x%d" % i, -2, 2) for i in range(1, 5)])
    if name == "digits-svc":
        from digits_objective import score
        return "maximize", lambda t: score(C=t.suggest_float("C", 1e-2, 1e3, log=True),
                                           gamma=t.suggest_float("gamma", 1e-4, 1.0, log=True),
                                           kernel=t.suggest_categorical("kernel", ["rbf", "sigmoid"]))
    sys.exit("unknown --function %s" % name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--function", required=True)
    ap.add_argument("--trials", type=int, default=50)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--univariate", action="store_true")
    args = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    direction, objective = make_objective(args.function)
    bests = []
    started = time.time()
    for seed in range(args.seeds):
        if args.univariate:
            sampler = optuna.samplers.TPESampler(seed=seed, multivariate=False)
        else:
            sampler = optuna.samplers.TPESampler(seed=seed)
        study = optuna.create_study(direction=direction, sampler=sampler)
        study.optimize(objective, n_trials=args.trials)
        bests.append(study.best_value)
    name = "optuna-tpe" + ("-univariate" if args.univariate else "")
    print("%s\t%s\tmedian_best=%r\tseeds=%d\ttrials=%d\tseconds=%.1f"
          % (args.function, name, statistics.median(bests), args.seeds, args.trials, time.time() - started))


if __name__ == "__main__":
    main()
