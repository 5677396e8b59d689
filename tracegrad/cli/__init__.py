"""The `tracegrad` command: `tracegrad train`, `tracegrad graph "EXPR" --var x=2`,
`tracegrad playground` and `tracegrad simulations [NAME | --list]`."""

import argparse
import dataclasses
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import training
from autograd import Value
from viz import GraphvizMissing, draw_graph, save
from viz.graph import SUFFIXES

from .expression import ExpressionError, evaluate
from .runs import (
    DATASETS,
    DEFAULT_LR,
    ENGINES,
    IMAGE_SHAPES,
    MODELS,
    OPTIMIZERS,
    SCHEDULES,
    TrainConfig,
    open_run_folder,
    train,
)

PLAYGROUND = "viz.playground:playground"  # what `tracegrad playground` serves
GALLERY = "viz.simulations:gallery"  # what `tracegrad simulations` serves without a NAME
TRAIN_OPTIONS = {f.name for f in dataclasses.fields(TrainConfig)}  # `train` flags, by field name


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the subcommand; returns the exit code."""
    args, unknown = _parser().parse_known_args(argv)
    if unknown:  # reported by the subcommand's parser, with its usage, not the top level's
        args.command.error(f"unrecognized arguments: {' '.join(unknown)}")
    return args.run(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tracegrad", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    train = commands.add_parser(
        "train",
        help="train an MLP or a CNN and write runs/<name>/",
        description="Train an MLP with either engine, or a CNN on images with the tensor engine, "
        "and write its run folder <out>/<name>/.",
    )
    default = TrainConfig()
    # Every train option defaults to None: a value given by the user can then be told from the
    # default (an option its engine does not use is refused); TrainConfig holds the defaults.
    train.set_defaults(run=_train, command=train)
    train.add_argument(
        "--name", help="run folder name, no / or .. (default: the dataset's, e.g. moons)"
    )
    train.add_argument("--out", type=Path, help=f"runs folder (default: {default.out})")
    train.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing run folder (default: write <name>-2, <name>-3, ... instead)",
    )
    train.add_argument(
        "--engine",
        choices=ENGINES,
        help=f"value: the scalar MLP; tensor: nn.Sequential (default: {default.engine})",
    )
    train.add_argument(
        "--model",
        choices=MODELS,
        help=f"mlp: a ReLU MLP of --hidden sizes; cnn: nn.models.digits_cnn, which needs "
        f"--engine tensor and an image dataset ({', '.join(IMAGE_SHAPES)}) (default: "
        f"{default.model})",
    )
    train.add_argument(
        "--dataset",
        choices=DATASETS,
        help=f"digits needs --engine tensor (default: {default.dataset})",
    )
    train.add_argument(
        "--samples",
        type=_positive_int,
        help=f"points in a toy dataset, not digits (default: {default.samples})",
    )
    train.add_argument(
        "--noise",
        type=_non_negative_float,
        help=f"noise of a toy dataset, not digits (default: {default.noise})",
    )
    train.add_argument(
        "--hidden",
        type=_positive_int,
        nargs="+",
        help=f"the MLP's hidden layer sizes (default: {' '.join(map(str, default.hidden))})",
    )
    train.add_argument(
        "--epochs",
        type=_positive_int,
        help=f"passes over the data; the value engine takes one step each (default: "
        f"{default.epochs})",
    )
    train.add_argument(
        "--batch-size",
        type=_positive_int,
        help=f"tensor engine only: mini-batch size (default: {default.batch_size})",
    )
    train.add_argument(
        "--optimizer",
        choices=tuple(OPTIMIZERS),
        help=f"the optimizer ladder's rung (default: {default.optimizer})",
    )
    lrs = ", ".join(f"{name} {lr:g}" for name, lr in DEFAULT_LR.items())
    train.add_argument(
        "--lr", type=_non_negative_float, help=f"learning rate (default: the optimizer's: {lrs})"
    )
    train.add_argument(
        "--schedule",
        choices=tuple(SCHEDULES),
        help=f"learning-rate schedule over the epochs (default: {default.schedule})",
    )
    train.add_argument(
        "--alpha",
        type=_non_negative_float,
        help=f"value engine only: L2 regularisation strength (default: {default.alpha:g})",
    )
    train.add_argument(
        "--seed",
        type=_non_negative_int,
        help=f"seeds the data, the initial weights and the batch order (default: {default.seed})",
    )

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
    graph.set_defaults(run=_graph, command=graph)

    playground = commands.add_parser(
        "playground",
        help="serve the playground as a page on 127.0.0.1 (Ctrl-C stops it)",
        description="Serve viz.playground's widget as a web page on 127.0.0.1 with Voila, print "
        "its URL and open it in a browser; Ctrl-C stops the server.",
    )
    playground.add_argument("--port", type=_port, default=8866, help="(default: %(default)s)")
    playground.add_argument("--no-browser", action="store_true", help="only print the URL")
    playground.set_defaults(run=_playground, command=playground)

    simulations = commands.add_parser(
        "simulations",
        help="serve the course's simulations as pages on 127.0.0.1 (Ctrl-C stops it)",
        description="Serve one of the course's simulations (or, without NAME, the gallery of "
        "all of them) as a web page on 127.0.0.1 with Voila, print its URL and open it in a "
        "browser; Ctrl-C stops the server. --list prints each name and what it shows.",
    )
    simulations.add_argument("name", nargs="?", metavar="NAME", help="a simulation (--list)")
    simulations.add_argument(
        "--list", action="store_true", help="print each simulation, its name first, and exit"
    )
    simulations.add_argument("--port", type=_port, default=8866, help="(default: %(default)s)")
    simulations.add_argument("--no-browser", action="store_true", help="only print the URL")
    simulations.set_defaults(run=_simulations, command=simulations)
    return parser


def _train(args: argparse.Namespace) -> int:
    given = {
        name: value
        for name, value in vars(args).items()
        if name in TRAIN_OPTIONS and value is not None
    }
    if "hidden" in given:
        given["hidden"] = tuple(given["hidden"])
    try:
        config = TrainConfig(**given)
        config.check_given(given)
        folder = open_run_folder(config, args.overwrite)  # before training: fails at once
        if folder.note:
            print(folder.note)
        result = train(config, folder=folder)
    except ValueError as error:  # a usage error: nothing trained, nothing written
        print(f"tracegrad train: error: {error}", file=sys.stderr)
        return 2
    # digits without scikit-learn, a run that diverged, a run folder that cannot be written
    except (ImportError, training.TrainingDiverged, OSError) as error:
        print(f"tracegrad train: error: {error}", file=sys.stderr)
        return 1
    line = f"final loss {result.loss:.4f}, train accuracy {result.accuracy:.0%}"
    if result.val_accuracy is not None:
        line += f", validation accuracy {result.val_accuracy:.0%}"
    print(line)
    for path in [result.settings, *result.files]:
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


def _playground(args: argparse.Namespace) -> int:
    return _serve(args, PLAYGROUND)


def _serve(args: argparse.Namespace, page: str) -> int:
    """Serve the "module:function" `page` on args.port until Ctrl-C; 1 if Voila fails."""
    from viz.serve import serve  # Voila and the widgets: the widgets extra, not needed elsewhere

    try:
        serve([page], port=args.port, open_browser=not args.no_browser)
    except RuntimeError as error:  # the port taken, Voila missing or failing
        print(f"{args.command.prog}: error: {error}", file=sys.stderr)
        return 1
    return 0


def _simulations(args: argparse.Namespace) -> int:
    from viz.simulations import SIMULATIONS, describe, target  # the widgets extra

    if args.list:
        if args.name is not None:
            args.command.error("--list takes no NAME")
        for name in SIMULATIONS:
            print(f"{name:<20} {describe(name)}")
        return 0
    if args.name is not None and args.name not in SIMULATIONS:
        args.command.error(f"no simulation {args.name!r}; choose from {', '.join(SIMULATIONS)}")
    return _serve(args, GALLERY if args.name is None else target(args.name))


def _port(text: str) -> int:
    port = _whole_number(text, minimum=1)
    if port > 65535:
        raise argparse.ArgumentTypeError(f"must be <= 65535, got {port}")
    return port


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
