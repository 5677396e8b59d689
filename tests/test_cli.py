"""The tracegrad command: graph evaluates safely; train writes its run folder."""

import subprocess
import sys

import pytest

import nn
from nn import MLP
from tracegrad.cli import main


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


RUN_FILES = ["decision_boundary.png", "graph.svg", "history.csv", "loss_curve.png", "model.npz"]


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


def test_an_unwritable_output_is_one_error_line_and_exit_1(capsys, tmp_path):
    (tmp_path / "afile").write_text("not a folder")
    code, _, err = run(capsys, "train", "--samples", "10", "--epochs", "1", "--hidden", "2",
                       "--out", str(tmp_path / "afile"))  # fmt: skip
    assert code == 1 and err.startswith("tracegrad train: error: ") and err.count("\n") == 1
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
