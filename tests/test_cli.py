"""The tracegrad command: graph evaluates safely; train writes its run folder."""

import importlib.metadata
import json
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import nn
import tracegrad.cli.runs
from autograd import Value
from autograd.graph import topo_order
from nn import MLP, max_margin_loss
from nn.datasets import make_moons
from tracegrad.cli import main
from tracegrad.cli.runs import output_neuron_loss
from viz import draw_graph


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_graph_prints_value_and_gradients_and_writes_svg(capsys, tmp_path):
    svg = tmp_path / "f.svg"
    code, out, _ = run(
        capsys, "graph", "(x + y) * z", "--var", "x=-2", "--var", "y=5", "--var", "z=-4",
        "-o", str(svg),
    )  # fmt: skip
    assert code == 0
    assert out.splitlines()[:4] == [
        "out = -12",
        "d out / d x = -4",
        "d out / d y = -4",
        "d out / d z = 3",
    ]
    assert all(f">{name}</text>" in svg.read_text() for name in ("x", "y", "z", "out"))


def test_graph_knows_functions_unary_ops_and_number_literals(capsys, tmp_path):
    code, out, _ = run(
        capsys, "graph", "max(x, 2) + -exp(0) * +relu(x) ** 2", "--var", "x=3",
        "-o", str(tmp_path / "g.svg"),
    )  # fmt: skip
    assert code == 0
    assert out.splitlines()[:2] == ["out = -6", "d out / d x = -5"]  # 3 - 9; 1 - 2*3


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("__import__('os')", "unknown function '__import__'"),
        ("x.__class__", "unsupported syntax: Attribute"),
        ("open('f').read()", "unknown function \"open('f').read\""),
        ("x // 2", "unsupported operator FloorDiv"),
        ("'a' + x", "unsupported literal 'a'"),
        ("[x]", "unsupported syntax: List"),
        ("x if x else 1", "unsupported syntax: IfExp"),
        ("lambda: 1", "unsupported syntax: Lambda"),
        ("x +", "invalid syntax"),
        ("q * 2", "unknown name 'q'; give it with --var q=NUMBER"),
        ("exp(x, x)", "exp() takes 1 argument(s), got 2"),
        ("exp(x=1)", "exp() takes no keyword arguments"),
        ("log(x - 3)", "log: input must be positive, got -1.0"),
        ("x / 0", "div: division by zero"),
    ],
)
def test_graph_rejects_bad_expressions_with_one_line_and_exit_2(
    capsys, tmp_path, monkeypatch, expression, message
):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "graph", expression, "--var", "x=2")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and message in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["graph", "x", "--var", "x=a"], "x: 'a' is not a number"),
        (["graph", "x", "--var", "1x=2"], "expected NAME=NUMBER"),
        (["train", "--epochs", "0"], "must be >= 1, got 0"),
        (["train", "--dataset", "mnist"], "invalid choice: 'mnist'"),
        (["train", "--optimizer", "lbfgs"], "invalid choice: 'lbfgs'"),
        (["train", "--schedule", "linear"], "invalid choice: 'linear'"),
        (["train", "--engine", "jax"], "invalid choice: 'jax'"),
        (["train", "--model", "rnn"], "invalid choice: 'rnn'"),
        (["train", "--lr", "-1"], "must be >= 0, got -1.0"),
        (["train", "--samples", "many"], "expected a whole number, got 'many'"),
        (["train", "--lr", "nan"], "argument --lr: must be finite, got nan"),
        (["train", "--alpha", "inf"], "argument --alpha: must be finite, got inf"),
        (["train", "--seed", "-1"], "argument --seed: must be >= 0, got -1"),
        (["graph", "x", "-o", "g.pdf"], "argument -o/--output: g.pdf must end in .svg, .png, .dot"),
        (["fly"], "invalid choice: 'fly'"),
    ],
)
def test_bad_flags_exit_2_naming_the_problem(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


RUN_FILES = ["decision_boundary.png", "graph.svg", "history.csv", "loss_curve.png", "model.npz",
             "settings.json"]  # fmt: skip
SMALL = ("--samples", "10", "--epochs", "1", "--hidden", "2")  # a run of a second or less


def everything_under(folder: Path) -> dict[str, bytes | None]:
    """Each path under `folder` (relative) with its bytes; None for a folder."""
    return {
        str(p.relative_to(folder)): None if p.is_dir() else p.read_bytes()
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def no_training(monkeypatch):
    """Training fails the test if it starts: the toy datasets' makers raise."""

    def started(*args, **kwargs):
        raise AssertionError("training started")

    for name in tracegrad.cli.runs.TOY_DATASETS:
        monkeypatch.setitem(tracegrad.cli.runs.TOY_DATASETS, name, started)


def test_value_engine_writes_run_folder(capsys, tmp_path):
    code, out, _ = run(
        capsys, "train", "--name", "tiny", "--out", str(tmp_path), "--samples", "20",
        "--epochs", "3", "--hidden", "4", "--optimizer", "momentum", "--schedule", "cosine",
    )  # fmt: skip
    assert code == 0
    run_dir = tmp_path / "tiny"
    assert sorted(p.name for p in run_dir.iterdir()) == RUN_FILES
    lines = (run_dir / "history.csv").read_text().splitlines()
    assert lines[0] == "epoch,loss,accuracy,lr" and len(lines) == 4
    assert [float(line.split(",")[3]) for line in lines[1:]] == pytest.approx([0.1, 0.075, 0.025])
    assert "train accuracy" in out
    assert set(nn.load(run_dir / "model.npz")) == {n for n, _ in MLP(2, [4, 1]).named_parameters()}
    assert "Value" not in (run_dir / "graph.svg").read_text()  # a drawing, not a repr
    assert (run_dir / "decision_boundary.png").read_bytes()[:4] == b"\x89PNG"


def test_the_loss_curve_is_titled_with_what_made_it(capsys, tmp_path, monkeypatch):
    titles = []
    real = tracegrad.cli.runs.plot_history

    def plot_history(*args, **kwargs):
        titles.append(kwargs.get("title"))
        return real(*args, **kwargs)

    monkeypatch.setattr(tracegrad.cli.runs, "plot_history", plot_history)
    code, _, _ = run(
        capsys, "train", "--out", str(tmp_path), "--samples", "20", "--epochs", "2",
        "--hidden", "4", "--optimizer", "adam", "--lr", "0.02", "--schedule", "step",
    )  # fmt: skip
    assert code == 0
    assert titles == ["value MLP on moons: adam, lr = 0.02, step schedule"]


def test_tensor_engine_trains_spirals_and_writes_run_folder(capsys, tmp_path):
    code, out, _ = run(
        capsys, "train", "--engine", "tensor", "--dataset", "spirals", "--out", str(tmp_path),
        "--samples", "200", "--epochs", "60", "--hidden", "32", "32", "--optimizer", "adam",
        "--schedule", "warmup-cosine",
    )  # fmt: skip
    assert code == 0
    run_dir = tmp_path / "spirals"
    assert sorted(p.name for p in run_dir.iterdir()) == RUN_FILES
    header = (run_dir / "history.csv").read_text().splitlines()[0].split(",")
    assert {"epoch", "loss", "val_loss", "accuracy", "val_accuracy", "lr"} <= set(header)
    validation = float(out.split("validation accuracy ")[1].split("%")[0])
    assert validation >= 80  # a linear model gets about 50-60% on two spirals
    state = nn.load(run_dir / "model.npz")
    assert state["0.weight"].shape == (32, 2) and state["4.weight"].shape == (2, 32)
    assert "0+1: Linear+ReLU" in (run_dir / "graph.svg").read_text()


def test_tensor_engine_on_digits_writes_no_decision_boundary(capsys, tmp_path):
    code, out, _ = run(
        capsys, "train", "--engine", "tensor", "--dataset", "digits", "--out", str(tmp_path),
        "--epochs", "3", "--hidden", "32", "--optimizer", "adam",
    )  # fmt: skip
    assert code == 0
    assert "decision_boundary.png" not in {p.name for p in (tmp_path / "digits").iterdir()}
    assert float(out.split("validation accuracy ")[1].split("%")[0]) >= 85


def test_value_engine_refuses_digits_with_a_reason(capsys, tmp_path):
    code, out, err = run(capsys, "train", "--dataset", "digits", "--out", str(tmp_path))
    assert code == 2 and out == ""
    assert "use --engine tensor for digits" in err
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_output_is_one_error_line_and_exit_2_before_training(
    capsys, tmp_path, no_training
):
    (tmp_path / "afile").write_text("not a folder")
    for out in ("afile", "afile/runs"):  # a file, and a folder that cannot be made (even by root)
        code, _, err = run(capsys, "train", *SMALL, "--out", str(tmp_path / out))
        assert code == 2 and err.startswith("tracegrad train: error: ") and err.count("\n") == 1
        assert f"cannot write the run folder {tmp_path / out / 'moons'}" in err
    assert everything_under(tmp_path) == {"afile": b"not a folder"}
    code, _, err = run(
        capsys, "graph", "x", "--var", "x=1", "-o", str(tmp_path / "afile" / "g.dot")
    )
    assert code == 1 and err.startswith("tracegrad graph: error: ") and err.count("\n") == 1


def test_console_script_is_installed(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "tracegrad", "graph", "x * x", "--var", "x=3"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "d out / d x = 6" in done.stdout
    assert (tmp_path / "graph.svg").exists()


def test_without_dot_train_still_trains_and_graph_says_how_to_install(
    capsys, tmp_path, monkeypatch
):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot binary anywhere
    code, out, err = run(
        capsys, "train", "--out", str(tmp_path), "--samples", "10", "--epochs", "1", "--hidden", "2"
    )
    assert code == 0 and "wrote" in out
    assert "skipped: save: cannot render graph.svg" in err
    assert sorted(p.name for p in (tmp_path / "moons").iterdir()) == [
        name for name in RUN_FILES if name != "graph.svg"
    ]
    code, _, err = run(capsys, "graph", "x * 2", "--var", "x=1", "-o", str(tmp_path / "g.svg"))
    assert code == 1 and "apt-get install graphviz" in err


# --- run names and folders ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../escape", "a/b", "/tmp/abs", "..", ".", "a\\b"])
def test_a_run_name_with_a_path_in_it_is_refused_and_nothing_is_written(
    capsys, tmp_path, no_training, name
):
    out = tmp_path / "runs" / "here"
    code, stdout, err = run(capsys, "train", *SMALL, "--name", name, "--out", str(out))
    assert code == 2 and stdout == ""
    assert err.count("\n") == 1 and "--name must be a plain folder name" in err
    assert list(tmp_path.iterdir()) == []  # neither runs/ nor anything beside it


def test_a_folder_that_cannot_be_written_even_by_root_fails_before_training(capsys, no_training):
    kernel = Path("/sys/kernel")  # sysfs: a folder nobody may create files in, root included
    if not kernel.is_dir():
        pytest.skip("needs Linux's /sys")
    code, _, err = run(capsys, "train", *SMALL, "--out", "/sys", "--name", "kernel", "--overwrite")
    assert code == 2 and err.count("\n") == 1
    assert "cannot write the run folder /sys/kernel" in err


def test_each_run_folder_records_the_settings_it_ran_with(capsys, tmp_path):
    flags = ("--samples", "20", "--epochs", "2", "--hidden", "3", "4", "--optimizer", "momentum")
    code, out, _ = run(capsys, "train", *flags, "--seed", "7", "--out", str(tmp_path))
    assert code == 0 and f"wrote {tmp_path / 'moons' / 'settings.json'}" in out
    settings = json.loads((tmp_path / "moons" / "settings.json").read_text())
    assert settings == {
        "tracegrad": importlib.metadata.version("tracegrad"), "engine": "value", "model": "mlp",
        "dataset": "moons", "samples": 20, "noise": 0.1, "hidden": [3, 4], "epochs": 2,
        "optimizer": "momentum", "lr": 0.1, "schedule": "constant", "alpha": 1e-4, "seed": 7,
        "layer_sizes": [2, 3, 4, 1],
    }  # fmt: skip  (lr: momentum's default, the one used; no batch_size: unused by this engine)
    code, _, _ = run(capsys, "train", "--engine", "tensor", "--out", str(tmp_path), "--name",
                     "t", "--epochs", "1", "--batch-size", "8", "--lr", "0.3")  # fmt: skip
    settings = json.loads((tmp_path / "t" / "settings.json").read_text())
    assert settings["batch_size"] == 8 and settings["lr"] == 0.3 and "alpha" not in settings
    assert settings["layer_sizes"] == [2, 16, 16, 2]


def test_an_existing_run_folder_is_kept_and_the_run_takes_a_fresh_name(capsys, tmp_path):
    code, _, _ = run(capsys, "train", *SMALL, "--out", str(tmp_path))
    first = everything_under(tmp_path / "moons")
    code, out, _ = run(capsys, "train", *SMALL, "--seed", "1", "--out", str(tmp_path))
    assert code == 0 and out.splitlines()[0] == (
        f"run folder {tmp_path / 'moons'} exists; writing {tmp_path / 'moons-2'} "
        "(use --overwrite to replace it)"
    )
    assert everything_under(tmp_path / "moons") == first
    assert json.loads((tmp_path / "moons-2" / "settings.json").read_text())["seed"] == 1
    run(capsys, "train", *SMALL, "--out", str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["moons", "moons-2", "moons-3"]


def test_overwrite_replaces_the_run_but_only_once_training_has_succeeded(capsys, tmp_path):
    run(capsys, "train", *SMALL, "--out", str(tmp_path))
    (tmp_path / "moons" / "notes.txt").write_text("mine")
    before = everything_under(tmp_path)
    code, _, err = run(capsys, "train", "--engine", "tensor", "--lr", "1e30", "--epochs", "1",
                       "--out", str(tmp_path), "--overwrite")  # fmt: skip
    assert code == 1 and "diverged" in err
    assert everything_under(tmp_path) == before  # a failed run loses nothing
    code, out, _ = run(capsys, "train", "--engine", "tensor", "--dataset", "xor", "--name",
                       "moons", "--epochs", "1", "--out", str(tmp_path), "--overwrite")  # fmt: skip
    assert code == 0 and "exists" not in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["moons"]
    settings = json.loads((tmp_path / "moons" / "settings.json").read_text())
    assert settings["engine"] == "tensor" and settings["dataset"] == "xor"
    assert (tmp_path / "moons" / "notes.txt").read_text() == "mine"  # not a run's file
    (tmp_path / "afile").write_text("x")
    code, _, err = run(capsys, "train", *SMALL, "--name", "afile", "--out", str(tmp_path),
                       "--overwrite")  # fmt: skip
    assert code == 2 and "is a file, not a run folder; not replacing it" in err


# --- divergence -----------------------------------------------------------------------------------


def test_the_value_engine_stops_a_diverging_run_naming_the_step_and_cause(capsys, tmp_path):
    code, out, err = run(capsys, "train", "--engine", "value", "--lr", "1e6", "--epochs", "5",
                         "--out", str(tmp_path))  # fmt: skip
    assert code == 1 and out == ""
    assert err.startswith("tracegrad train: error: train: training diverged at epoch 2, step 2")
    assert "the loss is 1.293e+15, up from 1.006 at step 1" in err
    assert "learning rate too high (lr=1e+06)" in err
    assert list(tmp_path.iterdir()) == []


def test_a_diverging_tensor_run_shows_no_numpy_overflow_warning(capsys, tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, _, err = run(capsys, "train", "--engine", "tensor", "--lr", "1e6", "--epochs",
                           "5", "--out", str(tmp_path))  # fmt: skip
    assert code == 1 and "training diverged at epoch 1, step 3: the loss is nan" in err
    assert [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)] == []


# --- help and flags -------------------------------------------------------------------------------


def test_help_shows_every_default_with_its_real_value(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for default in ("(default: runs)", "(default: value)", "(default: mlp)", "(default: moons)",
                    "(default: 100)", "(default: 0.1)", "(default: 16 16)", "(default: 32)",
                    "(default: sgd)",
                    "sgd 0.5, momentum 0.1", "adam 0.01", "(default: constant)",
                    "(default: 0.0001)", "(default: 0)"):  # fmt: skip
        assert default in text
    assert "DEFAULT_LR" not in text and "None" not in text


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--engine", "tensor", "--alpha", "0.0001"], "--alpha is used only by the value engine, "
         "not with --engine tensor"),
        (["--batch-size", "32"], "--batch-size is used only by the tensor engine, not with "
         "--engine value"),
        (["--engine", "tensor", "--dataset", "digits", "--samples", "50"], "--samples is used "
         "only by the toy datasets, not with --dataset digits"),
        (["--engine", "tensor", "--dataset", "digits", "--model", "cnn", "--hidden", "32"],
         "--hidden is used only by the MLP, not with --model cnn"),
        (["--model", "cnn", "--dataset", "digits"], "--model cnn needs --engine tensor"),
        (["--model", "cnn", "--engine", "tensor"], "--model cnn trains on images; --dataset "
         "moons is 2-D points (use --dataset digits)"),
    ],
)  # fmt: skip
def test_a_flag_the_run_does_not_use_is_refused_naming_it(
    capsys, tmp_path, no_training, flags, message
):
    code, out, err = run(capsys, "train", *flags, "--out", str(tmp_path))
    assert code == 2 and out == "" and err.count("\n") == 1 and message in err
    assert list(tmp_path.iterdir()) == []


def test_a_misspelt_train_flag_prints_trains_usage(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--epohcs", "3"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert err.startswith("usage: tracegrad train ") and "--batch-size" in err
    assert "tracegrad train: error: unrecognized arguments: --epohcs 3" in err


# --- progress and the value engine's graph -------------------------------------------------------


def test_the_value_engine_shows_one_bar_over_its_steps(tmp_path, capsys):
    config = tracegrad.cli.runs.TrainConfig(samples=10, epochs=3, hidden=(2,), out=tmp_path)
    tracegrad.cli.runs.train(config, progress=True)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "3/3" in err and "loss=" in err


def test_the_value_graph_is_one_neurons_share_of_a_nonzero_loss_with_zeroed_gradients():
    X, labels = make_moons(30, noise=0.1, seed=0)
    points, targets = X.tolist(), (2.0 * labels - 1.0).tolist()
    model = MLP(2, [8, 8, 1], seed=0)
    losses = [max_margin_loss([model(p)], [t]).data for p, t in zip(points, targets, strict=True)]
    worst = int(np.argmax(losses))
    model.zero_grad()
    max_margin_loss([model(points[worst])], [targets[worst]]).backward()
    expected = {id(p): p.grad for p in model.parameters()}  # the whole network's gradient
    for p in model.parameters():
        p.grad = 123.0  # left over from a training step

    loss = output_neuron_loss(model, points, targets)

    assert isinstance(loss, Value) and loss.data == pytest.approx(max(losses)) and loss.data > 0
    assert loss.label.startswith(f"loss of point {worst} ")
    drawn = {id(node) for node in topo_order(loss)}
    neuron = model.layers[-1].neurons[0]
    assert sum(id(w) in drawn for w in neuron.w) == 2 and id(neuron.b) in drawn
    for p in model.parameters():  # drawn: the true gradient; not drawn: zeroed
        assert p.grad == (pytest.approx(expected[id(p)]) if id(p) in drawn else 0.0)
    source = draw_graph(loss).source
    assert source.count("[label=") <= 30 and "darkorange" not in source


def test_the_demo_graph_fits_on_a_screen(capsys, tmp_path):
    code, _, _ = run(capsys, "train", "--out", str(tmp_path), "--epochs", "5")
    svg = (tmp_path / "moons" / "graph.svg").read_text()
    assert code == 0 and svg.count('class="node"') <= 30
    width, height = (float(v) for v in re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"',
                                                 svg).groups())  # fmt: skip
    assert width <= 2000 and height <= 1200
    assert "loss of point" in svg and "darkorange" not in svg


# --- the CNN --------------------------------------------------------------------------------------


def test_the_cnn_trains_on_digit_images_and_writes_its_run_folder(capsys, tmp_path):
    code, out, _ = run(
        capsys, "train", "--engine", "tensor", "--model", "cnn", "--dataset", "digits",
        "--out", str(tmp_path), "--epochs", "2", "--batch-size", "64", "--optimizer", "adamw",
        "--lr", "0.02",
    )  # fmt: skip
    assert code == 0
    run_dir = tmp_path / "digits"
    assert sorted(p.name for p in run_dir.iterdir()) == sorted(
        {*RUN_FILES, "filters.png"} - {"decision_boundary.png"}
    )
    assert float(out.split("validation accuracy ")[1].split("%")[0]) >= 80  # 2 epochs
    state = nn.load(run_dir / "model.npz")
    assert state["0.weight"].shape == (8, 1, 3, 3)  # the first conv's kernels: images in
    settings = json.loads((run_dir / "settings.json").read_text())
    assert settings["model"] == "cnn" and "hidden" not in settings
    assert settings["parameters"] == 6274 and settings["layers"][0].startswith("Conv2d(1, 8")
    assert "Conv2d" in (run_dir / "graph.svg").read_text()
    assert (run_dir / "filters.png").read_bytes()[:4] == b"\x89PNG"
