"""Gradient fuzzing for a fixed wall time: the property of tests/test_fuzz.py, run until time is up.

Random graphs over float64 Tensors (tests/test_fuzz.py's `graphs` strategy: 1-4 leaves, up to
--max-steps ops drawn from its op table, nodes reused), every leaf's gradient from one backward
against central differences (`gradcheck`); with --second-order, the gradient's gradient
(`gradgradcheck`). Hypothesis draws the graphs in batches, each from a fresh seed (from --seed),
and shrinks every failing graph before it is printed.

Run: `.venv/bin/python bench/fuzz.py --seconds 120`. Prints how many graphs were checked and
how many failed, e.g. "checked 3400 graphs (up to 20 steps, depth up to 15), 0 mismatches",
how often each op was drawn, and each mismatch's graph; the exit code is 1 on any mismatch.

With --fused it fuzzes fuse's code generator instead (tests/test_fuse.py's property): random
elementwise programs (`random_recipe`: 1-3 inputs, ops drawn from everything fuse knows, nodes
reused), each fused on the numba backend and composed from Tensor ops, values and gradients
compared in float32 and float64 (`check_recipe`), every --parallel-every'th program on the
parallel (prange) loops too. Every program compiles (about 0.3 s a dtype), into a temporary
TRACEGRAD_CACHE_DIR (removed at the end) unless one is set. A mismatch prints the program as
Python, the dtype and the inputs' seed.
"""

import argparse
import itertools
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from test_fuse import (  # tests/ is on the path since the line above
    DTYPES,
    FUSE_OPS,
    FUZZ_SHAPE,
    check_recipe,
    random_recipe,
)
from test_fuzz import (
    FUZZ_OPS,
    Graph,
    check_gradients,
    check_second_derivatives,
    graphs,
)

from autograd import backend
from autograd.backend import numba_fused

BATCH = 40  # graphs per hypothesis run: a run past the deadline draws at most this many more


class Tally:
    """What the runs checked: graphs, their sizes, the ops drawn, and the failing graphs."""

    def __init__(self) -> None:
        self.graphs = 0
        self.most_steps = 0
        self.deepest = 0
        self.ops: Counter[str] = Counter()
        self.mismatches: list[tuple[Graph, str]] = []
        self.last_failure: tuple[Graph, str] | None = None

    def count(self, graph: Graph) -> None:
        self.graphs += 1
        self.most_steps = max(self.most_steps, len(graph.steps))
        self.deepest = max(self.deepest, graph.depth())
        self.ops.update(step.op for step in graph.steps)


def run_batch(
    check: Callable[[Graph], None], max_steps: int, run_seed: int, deadline: float, tally: Tally,
    shrink: bool,
) -> None:  # fmt: skip
    """One hypothesis run of `check` over BATCH graphs; a failure is shrunk and tallied."""

    @hypothesis_seed(run_seed)
    @settings(
        max_examples=BATCH,
        deadline=None,
        database=None,
        verbosity=Verbosity.quiet,  # failures are printed here, with the graph's own repr
        phases=(Phase.generate, Phase.shrink) if shrink else (Phase.generate,),
        suppress_health_check=list(HealthCheck),
    )
    @given(graph=graphs(max_steps=max_steps))
    def prop(graph: Graph) -> None:
        if time.monotonic() > deadline and tally.last_failure is None:
            return  # time is up: let the run finish without checking more (unless shrinking)
        tally.count(graph)
        try:
            check(graph)
        except Exception as error:
            tally.last_failure = (graph, f"{type(error).__name__}: {error}")
            raise

    tally.last_failure = None
    try:
        prop()
    except Exception as error:
        # hypothesis replays the shrunk example last, so last_failure is the minimal graph
        failure = tally.last_failure or (None, f"{type(error).__name__}: {error}")
        tally.mismatches.append(failure)
        print(f"MISMATCH (hypothesis seed {run_seed}):\n{failure[0]!r}\n{failure[1]}\n", flush=True)
    tally.last_failure = None


FUZZ_SIZE = int(np.prod(FUZZ_SHAPE))


def fuzz_fused(seconds: float, seed: int, parallel_every: int) -> int:
    """Random programs fused against composed until `seconds` are up; the number of mismatches.

    Program n (from 1) is random_recipe(np.random.default_rng(s)) for the n-th draw s of
    random.Random(seed), its inputs come from seed s + 1, and it runs on the serial loops, and
    on the parallel ones too when n is a multiple of `parallel_every`."""
    backend.use("numba")
    seeds = random.Random(seed)
    programs = checks = parallel = most_steps = deepest = masked = 0
    drawn: Counter[str] = Counter()
    mismatches = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        program_seed = seeds.getrandbits(63)
        recipe = random_recipe(np.random.default_rng(program_seed))
        programs += 1
        most_steps, deepest = max(most_steps, len(recipe.steps)), max(deepest, recipe.depth())
        drawn.update(op for op, _, _ in recipe.steps)
        paths = ["serial"]
        if parallel_every and programs % parallel_every == 0:
            paths.append("parallel")
        for path, dtype in itertools.product(paths, DTYPES):
            numba_fused.PARALLEL_MIN_SIZE = 1 if path == "parallel" else 10**12
            checks += 1
            parallel += path == "parallel"
            try:
                masked += check_recipe(recipe, dtype, seed=program_seed + 1)
            except Exception as error:
                mismatches += 1
                print(f"MISMATCH ({path} loops, program seed {program_seed}):", flush=True)
                print(f"{type(error).__name__}: {error}\n", flush=True)
    elapsed = seconds + time.monotonic() - deadline
    fewest = sorted(FUSE_OPS, key=drawn.get)
    print(f"ops drawn, fewest first: {', '.join(f'{op} {drawn[op]}' for op in fewest)}")
    print(
        f"checked {programs} programs (up to {most_steps} steps, depth up to {deepest}; "
        f"{checks} fused-vs-composed checks of {FUZZ_SIZE} elements, {parallel} on the parallel "
        f"loops; {masked} elements' gradients left out near a kink) in {elapsed:.0f} s, "
        f"{mismatches} {'mismatch' if mismatches == 1 else 'mismatches'}"
    )
    return mismatches


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="wall time (120)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the run seeds (random)")
    parser.add_argument("--max-steps", type=int, default=20, help="ops per graph, at most (20)")
    parser.add_argument(
        "--second-order", action="store_true", help="check gradients of gradients instead"
    )
    parser.add_argument("--no-shrink", action="store_true", help="print failing graphs as drawn")
    parser.add_argument(
        "--fused", action="store_true", help="fuzz fuse's generated loops (fused vs composed)"
    )
    parser.add_argument(
        "--parallel-every",
        type=int,
        default=8,
        help="with --fused: every n-th program on the parallel loops too (8; 0: never)",
    )
    args = parser.parse_args(argv)
    seed = random.randrange(2**32) if args.seed is None else args.seed
    if args.fused:
        print(f"fuzzing fused programs for {args.seconds:g} s (--seed {seed})", flush=True)
        with tempfile.TemporaryDirectory(prefix="tracegrad-fused-") as cache:
            os.environ.setdefault("TRACEGRAD_CACHE_DIR", cache)
            return 1 if fuzz_fused(args.seconds, seed, args.parallel_every) else 0
    check = check_second_derivatives if args.second_order else check_gradients
    what = "second derivatives" if args.second_order else "gradients"
    print(f"fuzzing {what} for {args.seconds:g} s (--seed {seed})", flush=True)
    seeds = random.Random(seed)
    tally = Tally()
    start = time.monotonic()
    deadline = start + args.seconds
    while time.monotonic() < deadline:
        run_batch(check, args.max_steps, seeds.getrandbits(64), deadline, tally, not args.no_shrink)
    elapsed = time.monotonic() - start
    drawn = ", ".join(f"{op} {tally.ops[op]}" for op in sorted(FUZZ_OPS, key=tally.ops.get))
    print(f"ops drawn, fewest first: {drawn}")
    print(
        f"checked {tally.graphs} graphs (up to {tally.most_steps} steps, depth up to "
        f"{tally.deepest}) in {elapsed:.0f} s, {len(tally.mismatches)} "
        f"{'mismatch' if len(tally.mismatches) == 1 else 'mismatches'}"
    )
    return 1 if tally.mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
