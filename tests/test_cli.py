"""The tracegrad command: graph evaluates safely; train writes its run folder."""

import subprocess
import sys

import pytest

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
        (["train", "--steps", "0"], "must be >= 1, got 0"),
        (["train", "--lr", "-1"], "must be >= 0, got -1.0"),
        (["train", "--samples", "many"], "expected a whole number, got 'many'"),
        (["fly"], "invalid choice: 'fly'"),
    ],
)
def test_bad_flags_exit_2_naming_the_problem(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_train_writes_run_folder(capsys, tmp_path):
    code, out, _ = run(
        capsys, "train", "--name", "tiny", "--out", str(tmp_path), "--samples", "20",
        "--steps", "3", "--hidden", "4",
    )  # fmt: skip
    assert code == 0
    run_dir = tmp_path / "tiny"
    assert sorted(p.name for p in run_dir.iterdir()) == [
        "decision_boundary.png",
        "history.csv",
        "loss_graph.svg",
    ]
    assert (run_dir / "history.csv").read_text().splitlines()[0] == "step,loss,accuracy"
    assert len((run_dir / "history.csv").read_text().splitlines()) == 4
    assert "train accuracy" in out


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
        capsys, "train", "--out", str(tmp_path), "--samples", "10", "--steps", "1", "--hidden", "2"
    )
    assert code == 0 and "wrote" in out
    assert "skipped: save: cannot render loss_graph.svg" in err
    assert sorted(p.name for p in (tmp_path / "moons").iterdir()) == [
        "decision_boundary.png",
        "history.csv",
    ]
    code, _, err = run(capsys, "graph", "x * 2", "--var", "x=1", "-o", str(tmp_path / "g.svg"))
    assert code == 1 and "apt-get install graphviz" in err
