"""The playground's engine: Settings and its string, the datasets, and Session against plain
nn/optim code, fit's divergence message and a fresh process running the exported script."""

import dataclasses
import re
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
import optim
from autograd import Tensor, no_grad
from viz.playground import DATASETS, FEATURES, Session, Settings, features, make_data, split
from viz.playground.data import grid
from viz.playground.settings import (
    ACTIVATIONS,
    INITS,
    OPTIMIZERS,
    REGULARIZATIONS,
    SCHEDULES,
)

ALL_SETTINGS = st.builds(
    Settings,
    dataset=st.sampled_from(DATASETS),
    noise=st.integers(0, 50),
    train_percent=st.integers(10, 90),
    batch_size=st.integers(1, 30),
    features=st.lists(st.sampled_from(FEATURES), min_size=1, unique=True).map(tuple),
    hidden=st.lists(st.integers(1, 8), max_size=6).map(tuple),
    activation=st.sampled_from(ACTIVATIONS),
    init=st.sampled_from(INITS),
    regularization=st.sampled_from(REGULARIZATIONS),
    regularization_rate=st.floats(0, 10),
    lr=st.floats(1e-300, 10),
    optimizer=st.sampled_from(OPTIMIZERS),
    schedule=st.sampled_from(SCHEDULES),
    seed=st.integers(0, 2**32 - 1),
    steps_per_frame=st.integers(1, 100),
)
HASH_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789&=,._-+")


# --- Settings -----------------------------------------------------------------------------------


@given(ALL_SETTINGS)
@settings(max_examples=200, deadline=None)
def test_every_setting_round_trips_through_the_string_and_the_dict(s):
    text = s.to_string()
    assert set(text) <= HASH_SAFE, text
    assert Settings.from_string(text) == s
    assert Settings.from_dict(s.to_dict()) == s


BAD = [  # (setting, a value it refuses, the exception, words of the message)
    ("dataset", "moon", ValueError, "dataset must be one of circle, xor, gauss, spiral"),
    ("noise", 51, ValueError, "noise must be in 0..50, got 51"),
    ("noise", 1.5, TypeError, "noise must be an int"),
    ("train_percent", 5, ValueError, "train_percent must be in 10..90"),
    ("batch_size", 0, ValueError, "batch_size must be in 1..30"),
    ("features", ("x3",), ValueError, "features must be one or more of x1, x2, x1_sq"),
    ("features", (), ValueError, "features must be one or more of"),
    (
        "features",
        ("x1", "x1"),
        ValueError,
        "features must be one or more of x1, x2, x1_sq, x2_sq, "
        "x1_x2, sin_x1, sin_x2 without repeats; got ('x1', 'x1')",
    ),
    ("features", ["x1"], TypeError, "features must be a tuple"),
    ("hidden", (9,), ValueError, "hidden must be 0-6 layer sizes of 1-8 neurons"),
    ("hidden", (1,) * 7, ValueError, "hidden must be 0-6 layer sizes"),
    ("hidden", (True,), ValueError, "hidden must be 0-6 layer sizes"),
    ("activation", "elu", ValueError, "activation must be one of relu, tanh, sigmoid, linear"),
    ("init", "orthogonal", ValueError, "init must be one of he, xavier, zero"),
    ("regularization", "l3", ValueError, "regularization must be one of none, l1, l2"),
    ("regularization_rate", -1.0, ValueError, "regularization_rate must be a finite number >= 0"),
    ("lr", 0.0, ValueError, "lr must be a finite number > 0"),
    ("lr", float("nan"), ValueError, "lr must be a finite number > 0"),
    ("lr", "0.1", TypeError, "lr must be a number"),
    ("optimizer", "lbfgs", ValueError, "optimizer must be one of sgd, momentum, nesterov, adagrad"),
    ("schedule", "onecycle", ValueError, "schedule must be one of constant, step, exponential"),
    ("seed", -1, ValueError, "seed must be in 0..4294967295"),
    ("steps_per_frame", 0, ValueError, "steps_per_frame must be in 1..100"),
]


@pytest.mark.parametrize(("name", "value", "error", "words"), BAD)
def test_each_setting_refuses_a_bad_value_naming_itself(name, value, error, words):
    with pytest.raises(error, match=re.escape(f"Settings: {words}")):
        Settings(**{name: value})


def test_every_setting_has_a_refused_value_in_the_table():
    assert {f.name for f in dataclasses.fields(Settings)} == {row[0] for row in BAD}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("dataset=xor&colour=red", "unknown setting 'colour'; the settings are dataset, noise"),
        ("noise=3&noise=4", "'noise' appears twice"),
        ("noise", "expected key=value, got 'noise'"),
        ("noise=lots", "cannot read noise='lots'"),
    ],
)
def test_from_string_refuses_what_it_cannot_read(text, words):
    with pytest.raises(ValueError, match=words):
        Settings.from_string(text)


def test_from_dict_refuses_an_unknown_key_and_fills_in_defaults():
    with pytest.raises(ValueError, match="unknown setting 'layers'"):
        Settings.from_dict({"layers": (2,)})
    assert Settings.from_dict({"dataset": "xor"}) == Settings(dataset="xor")
    assert Settings.from_string("") == Settings()
    assert Settings(lr=1).lr == 1.0 and isinstance(Settings(lr=1).lr, float)


def test_the_problem_follows_the_dataset():
    assert Settings(dataset="moons").problem == "classification"
    assert Settings(dataset="reg-gauss").problem == "regression"


# --- data -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("dataset", DATASETS)
def test_datasets_are_seeded_points_in_the_square_with_their_kind_of_target(dataset):
    points, targets = make_data(dataset, noise=10, seed=3)
    again, _ = make_data(dataset, noise=10, seed=3)
    assert points.shape == (500, 2) and targets.shape == (500,)
    np.testing.assert_array_equal(points, again)
    assert np.abs(points).max() < 8
    if Settings(dataset=dataset).problem == "classification":
        assert set(np.unique(targets)) == {-1.0, 1.0}
    else:
        assert np.abs(targets).max() <= 1.0 and len(np.unique(targets)) > 100
    (train, y_train), (test, y_test) = split(points, targets, 30)
    assert len(train) == len(y_train) == 150 and len(test) == len(y_test) == 350


def test_features_are_the_named_functions_of_the_coordinates():
    p = np.array([[1.0, 2.0], [-3.0, 0.5]])
    got = features(p, FEATURES)
    x1, x2 = p.T
    want = np.column_stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)])
    np.testing.assert_allclose(got, want)
    np.testing.assert_array_equal(features(p, ("x2_sq", "x1")), want[:, [3, 0]])


# --- Session --------------------------------------------------------------------------------------


def test_the_session_trains_as_a_plain_loop_with_the_same_seed():
    s = Settings(dataset="xor", noise=5, hidden=(3, 2), features=("x1", "x2", "x1_x2"),
                 regularization="l2", regularization_rate=1e-3, lr=0.05, schedule="exponential",
                 batch_size=20, optimizer="momentum", seed=7)  # fmt: skip
    session = Session(s)
    assert session.step(9) == 9 and session.step(9) == 9  # 13 steps an epoch: crosses one

    # the same run written out with nn and optim
    points, targets = make_data("xor", noise=5, seed=7)
    (train, y), _ = split(points, targets, 50)
    x = features(train, s.features).astype(np.float32)
    y = y.astype(np.float32).reshape(-1, 1)
    rng = np.random.default_rng(8)
    layers = []
    for fan_in, fan_out, act in [(3, 3, True), (3, 2, True), (2, 1, False)]:
        linear = nn.Linear(fan_in, fan_out)
        nn.init.xavier_uniform_(linear.weight, generator=rng)
        nn.init.zeros_(linear.bias)
        layers += [linear, nn.Tanh()] if act else [linear]
    model = nn.Sequential(*layers, nn.Tanh())
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    schedule = optim.lr_scheduler.ExponentialLR(opt, gamma=0.98)
    shuffle = np.random.default_rng(9)
    mse, weights, step = nn.MSELoss(), [model[0].weight, model[2].weight, model[4].weight], 0
    while step < 18:
        order = shuffle.permutation(len(y))
        for rows in [order[i : i + 20] for i in range(0, len(y), 20)][: 18 - step]:
            loss = mse(model(Tensor(x[rows])), Tensor(y[rows])) + 1e-3 * nn.l2_penalty(weights)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
        if step % 13 == 0:
            schedule.step()
    with no_grad():
        want = float(mse(model(Tensor(x)), Tensor(y)).data)

    assert session.train_loss == pytest.approx(want, rel=1e-6)
    assert session.epoch == 1 and session.steps == 18
    assert session.lr == pytest.approx(0.05 * 0.98)
    assert set(session.grad_norms()) == {f"{i}.{p}" for i in (0, 2, 4) for p in ("weight", "bias")}
    assert all(0 < r < 1 for r in session.update_ratios().values())


def test_the_exported_scripts_print_the_same_losses_in_a_fresh_process(tmp_path):
    s = Settings(dataset="moons", hidden=(4,), activation="relu", init="he", optimizer="adam",
                 regularization="l1", regularization_rate=1e-3, schedule="warmup", lr=0.01,
                 features=("x1", "x2", "sin_x1"), batch_size=30)  # fmt: skip
    session = Session(s)
    session.step(12)  # 9 steps an epoch: one and a part
    (tmp_path / "run.py").write_text(session.export_code())
    (tmp_path / "run_torch.py").write_text(session.export_code(torch=True))
    both = "import runpy, sys; runpy.run_path(sys.argv[1]); runpy.run_path(sys.argv[2])"
    scripts = [str(tmp_path / "run.py"), str(tmp_path / "run_torch.py")]
    out = subprocess.run([sys.executable, "-c", both, *scripts], capture_output=True, text=True,
                         timeout=60)  # fmt: skip
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[:2] == [f"train loss {session.train_loss!r}", f"test loss {session.test_loss!r}"]
    twin = [float(line.split()[-1]) for line in lines[2:]]
    assert twin == pytest.approx([session.train_loss, session.test_loss], rel=1e-5)


def test_zero_init_keeps_every_hidden_neuron_of_a_layer_identical():
    session = Session(Settings(init="zero", activation="sigmoid", hidden=(4, 3), lr=0.3))
    session.step(30)
    assert np.abs(session.weights()[-1]).max() > 0  # it trained...
    for maps in session.neuron_maps(9):
        np.testing.assert_array_equal(maps, np.broadcast_to(maps[0], maps.shape))  # ...in lockstep
    for w in session.weights()[1:]:
        np.testing.assert_array_equal(w, np.broadcast_to(w[0], w.shape))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow that makes the inf
def test_a_too_high_learning_rate_diverges_and_stops_with_fits_message():
    session = Session(Settings(dataset="reg-plane", lr=50.0))
    taken = session.step(200)
    assert taken < 200 and session.steps == taken
    assert session.diverged.startswith(f"fit: training diverged at epoch 1, step {taken + 1}: ")
    assert "learning rate too high (lr=50)" in session.diverged
    assert session.step(5) == 0 and session.steps == taken
    with pytest.raises(ValueError, match=re.escape("Session.step: n must be an int >= 0, got -1")):
        session.step(-1)
    session.reset()
    assert session.diverged is None and session.steps == session.epoch == 0


def test_a_wide_hidden_layer_fits_the_spiral_better_than_a_narrow_one():
    def loss(width: int) -> float:
        session = Session(Settings(dataset="spiral", hidden=(width,), optimizer="adam", lr=0.01,
                                   features=("x1", "x2", "sin_x1", "sin_x2")))  # fmt: skip
        session.step(500)
        return session.train_loss

    narrow, wide = loss(2), loss(8)
    assert wide < 0.5 * narrow, (wide, narrow)


def test_boundary_and_neuron_maps_are_the_networks_outputs_on_the_grid():
    session = Session(Settings(hidden=(3, 2), activation="relu", features=FEATURES))
    session.step(20)
    r = 7
    boundary, maps = session.boundary(r), session.neuron_maps(r)
    assert boundary.shape == (r, r) and [m.shape for m in maps] == [(3, r, r), (2, r, r)]
    axis = np.linspace(-6, 6, r)
    model = session.model
    for i, j in [(0, 0), (1, 5), (6, 2), (3, 3)]:
        point = Tensor(features(np.array([[axis[j], axis[i]]]), FEATURES).astype(np.float32))
        with no_grad():
            first = model[1](model[0](point))
            second = model[3](model[2](first))
            out = model(point)
        np.testing.assert_allclose(maps[0][:, i, j], first.data[0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(maps[1][:, i, j], second.data[0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(boundary[i, j], out.data[0, 0], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(grid(r)[r + 5], [axis[5], axis[1]])
    weights = session.weights()
    assert [w.shape for w in weights] == [(3, 7), (2, 3), (1, 2)]
    np.testing.assert_array_equal(weights[0], model[0].weight.data)


def test_reset_starts_over_and_dead_relus_are_counted():
    session = Session(Settings(activation="relu", hidden=(4,)))
    start = session.train_loss
    session.step(7)
    assert session.train_loss != start
    session.reset()
    assert session.train_loss == start and session.steps == 0 and session.grad_norms() == {}
    session.model[0].bias.data[:2] = -1e3  # two units that no point can switch on
    assert session.dead_relus() == 2
    assert Session(Settings(activation="tanh")).dead_relus() == 0
