"""The `tracegrad` command: `tracegrad train` and `tracegrad graph "EXPR" --var x=2`."""

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import nn
from autograd import Value
from viz import GraphvizMissing, draw_graph, save
from viz.graph import SUFFIXES

from .expression import ExpressionError, evaluate
from .train import DATASETS, ENGINES, OPTIMIZERS, SCHEDULES, TrainConfig, train


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the subcommand; returns the exit code."""
    args = _parser().parse_args(argv)
    return args.run(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tracegrad", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    train = commands.add_parser("train", help="train an MLP and write runs/<name>/")
    default = TrainConfig()
    train.add_argument("--name", default="", help="run folder name (default: the dataset's)")
    train.add_argument(
        "--out", type=Path, default=default.out, help="runs folder (default: %(default)s)"
    )
    train.add_argument(
        "--engine",
        choices=ENGINES,
        default=default.engine,
        help="value: the scalar MLP; tensor: nn.Sequential (default: %(default)s)",
    )
    train.add_argument("--dataset", choices=DATASETS, default=default.dataset)
    train.add_argument(
        "--samples",
        type=_positive_int,
        default=default.samples,
        help="points in a toy dataset (default: %(default)s)",
    )
    train.add_argument("--noise", type=_non_negative_float, default=default.noise)
    train.add_argument(
        "--hidden",
        type=_positive_int,
        nargs="+",
        default=list(default.hidden),
        help="hidden layer sizes (default: 16 16)",
    )
    train.add_argument(
        "--epochs",
        type=_positive_int,
        default=default.epochs,
        help="passes over the data; the value engine takes one step each",
    )
    train.add_argument("--batch-size", type=_positive_int, default=default.batch_size)
    train.add_argument("--optimizer", choices=tuple(OPTIMIZERS), default=default.optimizer)
    train.add_argument(
        "--lr",
        type=_non_negative_float,
        default=None,
        help="learning rate (default: the optimizer's in train.DEFAULT_LR)",
    )
    train.add_argument(
        "--schedule",
        choices=tuple(SCHEDULES),
        default=default.schedule,
        help="learning-rate schedule over the epochs (default: %(default)s)",
    )
    train.add_argument(
        "--alpha",
        type=_non_negative_float,
        default=default.alpha,
        help="value engine: L2 regularisation strength (default: %(default)s)",
    )
    train.add_argument("--seed", type=_non_negative_int, default=default.seed)
    train.set_defaults(run=_train)

    graph = commands.add_parser("graph", help="evaluate an expression, backprop, write its SVG")
    graph.add_argument("expression", help='e.g. "(x + y) * z"')
    graph.add_argument(
        "--var",
        type=_assignment,
        action="append",
        default=[],
        metavar="NAME=NUMBER",
        help="a variable's value; repeat for each variable",
    )
    graph.add_argument(
        "-o",
        "--output",
        type=_graph_file,
        default=Path("graph.svg"),
        help="file to write: .svg, .png or .dot (default: %(default)s)",
    )
    graph.set_defaults(run=_graph)
    return parser


def _train(args: argparse.Namespace) -> int:
    try:
        config = TrainConfig(
            args.name, args.engine, args.dataset, args.samples, args.noise, tuple(args.hidden),
            args.epochs, args.batch_size, args.optimizer, args.lr, args.schedule, args.alpha,
            args.seed, args.out,
        )  # fmt: skip
        result = train(config)
    except ValueError as error:
        print(f"tracegrad train: error: {error}", file=sys.stderr)
        return 2
    # digits without scikit-learn, a run that diverged, a run folder that cannot be written
    except (ImportError, nn.TrainingDiverged, OSError) as error:
        print(f"tracegrad train: error: {error}", file=sys.stderr)
        return 1
    line = f"final loss {result.loss:.4f}, train accuracy {result.accuracy:.0%}"
    if result.val_accuracy is not None:
        line += f", validation accuracy {result.val_accuracy:.0%}"
    print(line)
    for path in result.files:
        print(f"wrote {path}")
    for reason in result.skipped:
        print(f"skipped: {reason}", file=sys.stderr)
    return 0


def _graph(args: argparse.Namespace) -> int:
    variables = {name: Value(number, label=name) for name, number in args.var}
    try:
        out = evaluate(args.expression, variables)
    except (ExpressionError, ArithmeticError, ValueError, TypeError) as error:
        print(f"tracegrad graph: error: {error}", file=sys.stderr)
        return 2
    out.label = "out"
    out.backward()
    print(f"out = {out.data:.6g}")
    for name, value in variables.items():
        print(f"d out / d {name} = {value.grad:.6g}")
    try:
        print(f"wrote {save(draw_graph(out), args.output)}")
    except (GraphvizMissing, OSError) as error:
        print(f"tracegrad graph: error: {error}", file=sys.stderr)
        return 1
    return 0


def _assignment(text: str) -> tuple[str, float]:
    name, sep, number = text.partition("=")
    if not sep or not name.strip().isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=NUMBER, got {text!r}")
    try:
        return name.strip(), float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name.strip()}: {number!r} is not a number") from None


def _graph_file(text: str) -> Path:
    """-o: a path whose suffix says what viz.save writes."""
    if Path(text).suffix.lower() not in SUFFIXES:
        raise argparse.ArgumentTypeError(f"{text} must end in {', '.join(SUFFIXES)}")
    return Path(text)


def _positive_int(text: str) -> int:
    return _whole_number(text, minimum=1)


def _non_negative_int(text: str) -> int:
    return _whole_number(text, minimum=0)


def _whole_number(text: str, minimum: int) -> int:
    """`text` as an int >= minimum, or the usage error saying why not."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
    return value


def _non_negative_float(text: str) -> float:
    """`text` as a finite float >= 0 (a learning rate, noise, a penalty), or the usage error."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be finite, got {value}")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value
