"""fit, EarlyStopping and accuracy: what the History records, when training stops, and why it
fails. Small MLPs on two moons (200 points), or a handful of rows; every run is seeded."""

import math
from typing import Any

import numpy as np
import pytest

import nn
import optim
import training
from autograd import Tensor
from nn.datasets import make_moons
from optim.lr_scheduler import ReduceLROnPlateau, StepLR

X, Y = make_moons(200, noise=0.1, seed=0)
X = X.astype(np.float32)


def loader(x: np.ndarray = X, y: np.ndarray = Y, batch_size: int = 50) -> nn.DataLoader:
    return nn.DataLoader(nn.TensorDataset(x, y), batch_size=batch_size)


def mlp(seed: int = 0, hidden: int = 16) -> nn.Sequential:
    """2 -> hidden -> ReLU -> 2; the same seed gives the same weights."""
    return nn.Sequential(
        nn.Linear(2, hidden, generator=seed), nn.ReLU(), nn.Linear(hidden, 2, generator=seed + 1)
    )


def train(model: nn.Module, lr: float = 0.2, **kwargs: Any) -> training.History:
    """fit with SGD on the moons, quietly, unless told otherwise."""
    kwargs = {"train_loader": loader(), "progress": False, **kwargs}
    return training.fit(
        model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=lr), **kwargs
    )


def weights(model: nn.Module) -> dict[str, np.ndarray]:
    return model.state_dict()


def same_weights(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


class Snapshots:
    """A callback keeping the model's weights at the end of every epoch, by epoch number."""

    def __init__(self, model: nn.Module) -> None:
        self.model, self.by_epoch = model, {}

    def __call__(self, history: training.History) -> None:
        self.by_epoch[int(history.epochs[-1]["epoch"])] = weights(self.model)


# --- what fit logs --------------------------------------------------------------------------------


def test_fit_lowers_the_loss_and_logs_every_documented_key():
    model = mlp()
    history = train(model, val_loader=loader(), epochs=5, metrics={"acc": training.accuracy})

    names = [name for name, _ in model.named_parameters()]
    step_keys = {"step", "epoch", "loss", "lr"}
    step_keys |= {f"grad_norm/{n}" for n in names} | {f"update_ratio/{n}" for n in names}
    assert [set(record) for record in history.steps] == [step_keys] * 20  # 4 batches x 5 epochs
    epoch_keys = {"epoch", "loss", "acc", "val_loss", "val_acc", "lr", "dead_relu/1"}
    assert [set(record) for record in history.epochs] == [epoch_keys] * 5
    assert history.series("step", "step").tolist() == list(range(1, 21))
    assert history.series("epoch", "step").tolist() == [e for e in range(1, 6) for _ in range(4)]
    assert history.series("epoch").tolist() == [1, 2, 3, 4, 5]
    losses = history.series("loss")
    assert losses[-1] < 0.7 * losses[0]
    assert history.epochs[-1]["val_acc"] > 0.8
    assert history.best_epoch is None and history.stopped_epoch is None


def test_epoch_values_are_batch_size_weighted_means_and_validation_runs_in_eval_mode():
    model = nn.Sequential(
        nn.Linear(2, 16, generator=0), nn.ReLU(), nn.Dropout(0.5, generator=0), nn.Linear(16, 2)
    )
    x, y = X[:10], Y[:10]
    graph = {"acc": training.accuracy, "graph": lambda out, y: float(out.requires_grad)}
    history = train(model, train_loader=loader(x, y, 4), val_loader=loader(x, y, 3), metrics=graph)

    record = history.epochs[0]
    step_losses = history.series("loss", "step")  # batches of 4, 4 and 2 rows
    assert record["loss"] == pytest.approx(np.dot([4, 4, 2], step_losses) / 10)
    model.eval()  # validation saw no dropout, and the weights fit returned (one epoch)
    out = model(Tensor(x))
    assert record["val_loss"] == pytest.approx(nn.CrossEntropyLoss()(out, y).item())
    assert record["val_acc"] == pytest.approx(training.accuracy(out, y))
    assert (record["graph"], record["val_graph"]) == (1.0, 0.0)  # validation under no_grad


def test_logged_lr_follows_the_scheduler():
    model = mlp()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    history = training.fit(
        model,
        nn.CrossEntropyLoss(),
        optimizer,
        loader(),
        epochs=5,
        scheduler=scheduler,
        progress=False,
    )

    assert history.series("lr").tolist() == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])
    step_lrs = history.series("lr", "step").reshape(5, 4)  # each step uses its epoch's lr
    assert np.allclose(step_lrs, history.series("lr")[:, None])


class PlateauSpy(ReduceLROnPlateau):
    """ReduceLROnPlateau that remembers the metrics it was stepped with."""

    def __init__(self, optimizer: optim.Optimizer, **kwargs: Any) -> None:
        self.seen: list[float] = []
        super().__init__(optimizer, **kwargs)

    def step(self, metrics: float) -> None:
        self.seen.append(metrics)
        super().step(metrics)


@pytest.mark.parametrize("validate", [True, False])
def test_reduce_lr_on_plateau_is_stepped_with_the_validation_or_training_loss(validate):
    model = mlp()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    scheduler = PlateauSpy(optimizer, patience=0, factor=0.5, threshold=10.0)  # never improves
    history = training.fit(
        model,
        nn.CrossEntropyLoss(),
        optimizer,
        loader(),
        loader() if validate else None,
        epochs=3,
        scheduler=scheduler,
        progress=False,
    )

    assert scheduler.seen == history.series("val_loss" if validate else "loss").tolist()
    assert history.series("lr").tolist() == pytest.approx([0.1, 0.05, 0.025])


def test_dead_relu_is_the_fraction_of_units_off_for_every_row_of_the_last_batch():
    model = nn.Sequential(
        nn.Linear(2, 16, generator=0),
        nn.ReLU(),
        nn.Linear(16, 8, generator=1),
        nn.ReLU(),
        nn.Linear(8, 2, generator=2),
    )
    model[2].bias.data[:] = -1e3  # every unit of the second ReLU is off for any input
    history = train(model, epochs=2)

    assert history.series("dead_relu/3").tolist() == [1.0, 1.0]
    hidden = np.maximum(X[-50:] @ model[0].weight.data.T + model[0].bias.data, 0)
    expected = np.mean(np.all(hidden == 0, axis=0))
    assert history.epochs[-1]["dead_relu/1"] == expected
    assert 0.0 <= expected < 1.0


class Wrapped(nn.Module):
    """A model that is not a Sequential, with a zero parameter the loss never uses."""

    def __init__(self) -> None:
        self.net = mlp()
        self.unused = nn.Parameter(np.zeros(3, np.float32))

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


def test_other_models_get_no_dead_relu_and_unused_parameters_read_zero():
    model = Wrapped()
    history = train(model, epochs=1)

    assert not [name for name in history.names() if name.startswith("dead_relu/")]
    assert not any(module.training for module in model.modules())  # fit leaves it in eval mode
    assert history.series("grad_norm/unused", "step").tolist() == [0.0] * 4
    assert history.series("update_ratio/unused", "step").tolist() == [0.0] * 4  # 0 / 0


def test_grad_norms_and_update_ratios_are_those_of_the_step():
    model, twin = mlp(), mlp()
    loss = nn.CrossEntropyLoss()(twin(Tensor(X)), Y)
    loss.backward()
    history = train(model, lr=0.3, train_loader=loader(batch_size=200))  # one step

    record = history.steps[0]
    before, after = dict(twin.named_parameters()), dict(model.named_parameters())
    for name, p in before.items():
        assert record[f"grad_norm/{name}"] == pytest.approx(np.linalg.norm(p.grad.data), rel=1e-5)
        change = np.linalg.norm(after[name].data - p.data) / np.linalg.norm(p.data)
        assert record[f"update_ratio/{name}"] == pytest.approx(change, rel=1e-4)
        assert change == pytest.approx(0.3 * np.linalg.norm(p.grad.data) / np.linalg.norm(p.data))


def test_a_zero_parameter_that_moves_has_an_infinite_update_ratio():
    model = mlp()
    model[2].bias.data[:] = 0
    history = train(model, epochs=1)

    assert history.steps[0]["update_ratio/2.bias"] == math.inf
    assert math.isfinite(history.steps[1]["update_ratio/2.bias"])


# --- early stopping -------------------------------------------------------------------------------


def train_against_flipped_labels(
    model: nn.Module, stopper: training.EarlyStopping, snapshots: Snapshots, epochs: int
) -> training.History:
    """Train on the moons, validating on flipped labels: the better the model learns, the worse
    val_loss gets, so early stopping's best epoch is the first."""
    return train(
        model, val_loader=loader(X, 1 - Y), epochs=epochs, early_stopping=stopper,
        callbacks=[snapshots],
    )  # fmt: skip


def test_early_stopping_on_a_rising_validation_loss_restores_the_best_weights():
    """Validating on flipped labels: the better the model learns, the worse val_loss gets."""
    model = mlp()
    snapshots = Snapshots(model)
    stopper = training.EarlyStopping(patience=2)
    history = train_against_flipped_labels(model, stopper, snapshots, epochs=10)

    assert np.all(np.diff(history.series("val_loss")) > 0)
    assert (history.best_epoch, history.stopped_epoch, len(history.epochs)) == (1, 3, 3)
    assert same_weights(weights(model), snapshots.by_epoch[1])
    assert not same_weights(weights(model), snapshots.by_epoch[3])


def test_without_restore_best_the_last_weights_stay():
    model = mlp()
    snapshots = Snapshots(model)
    stopper = training.EarlyStopping(patience=1, restore_best=False)
    history = train_against_flipped_labels(model, stopper, snapshots, epochs=10)

    assert (history.best_epoch, history.stopped_epoch) == (1, 2)
    assert same_weights(weights(model), snapshots.by_epoch[2])


def test_the_best_weights_are_restored_when_the_epochs_run_out_too():
    model = mlp()
    snapshots = Snapshots(model)
    stopper = training.EarlyStopping(patience=10)
    history = train_against_flipped_labels(model, stopper, snapshots, epochs=3)

    assert (history.best_epoch, history.stopped_epoch, len(history.epochs)) == (1, None, 3)
    assert same_weights(weights(model), snapshots.by_epoch[1])


def stop_epoch(values: list[float], **kwargs: Any) -> tuple[int | None, int | None]:
    """Feed `values` as val_loss epoch by epoch to an EarlyStopping: (best_epoch, stopped_epoch)."""
    stopper, history, model = training.EarlyStopping(**kwargs), training.History(), nn.Linear(1, 1)
    for epoch, value in enumerate(values, start=1):
        history.log_epoch(epoch=epoch, val_loss=value)
        if stopper.step(model, history):
            break
    return history.best_epoch, history.stopped_epoch


@pytest.mark.parametrize(
    ("values", "kwargs", "best", "stopped"),
    [
        ([1.0, 0.9, 0.95, 0.91, 0.8], {"patience": 2}, 2, 4),
        ([1.0, 0.9, 0.95, 0.8, 0.85, 0.7], {"patience": 2}, 6, None),  # the count restarts
        ([1.0, 1.0, 0.5], {"patience": 1}, 1, 2),  # equal is no improvement
        ([1.0, 0.5], {"patience": 0}, 2, None),
        ([1.0, 1.2], {"patience": 0}, 1, 2),  # patience 0: the first bad epoch stops
        ([1.0, 0.96, 0.94, 0.93], {"patience": 2, "min_delta": 0.05}, 3, None),
        ([1.0, 0.96, 0.97, 0.99], {"patience": 2, "min_delta": 0.05}, 1, 3),
        ([0.5, 0.6, 0.6, 0.55], {"patience": 2, "mode": "max"}, 2, 4),
    ],
)
def test_patience_min_delta_and_mode(values, kwargs, best, stopped):
    assert stop_epoch(values, **kwargs) == (best, stopped)


def test_early_stopping_can_monitor_a_metric():
    model = mlp()
    stopper = training.EarlyStopping(monitor="acc", mode="max", patience=0)
    history = train(
        model, lr=0.0, epochs=5, early_stopping=stopper, metrics={"acc": training.accuracy}
    )

    assert (history.best_epoch, history.stopped_epoch) == (1, 2)  # lr 0: the same every epoch


# --- divergence -----------------------------------------------------------------------------------


class RecordingSGD(optim.SGD):
    """SGD that keeps a copy of every parameter after each of its steps."""

    def __init__(self, params: Any, lr: float) -> None:
        super().__init__(params, lr=lr)
        self.after_steps: list[list[np.ndarray]] = []

    def step(self, closure: Any = None) -> Any:
        loss = super().step(closure)
        self.after_steps.append(
            [p.data.copy() for group in self.param_groups for p in group["params"]]
        )
        return loss


def diverge(
    model: nn.Module, lr: float, **kwargs: Any
) -> tuple[training.TrainingDiverged, RecordingSGD]:
    """fit until it raises TrainingDiverged: (the error, the optimizer)."""
    optimizer = RecordingSGD(model.parameters(), lr=lr)
    kwargs = {"loss_fn": nn.CrossEntropyLoss(), "train_loader": loader(), **kwargs}
    with pytest.raises(training.TrainingDiverged) as caught:
        training.fit(model, optimizer=optimizer, epochs=20, progress=False, **kwargs)
    return caught.value, optimizer


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")  # the forward pass overflows, too
def test_a_huge_learning_rate_raises_training_diverged_naming_the_causes():
    model = mlp()
    error, optimizer = diverge(model, lr=1e8)

    message = str(error)
    assert f"step {error.step}" in message and "epoch 1" in message and "inf" in message
    for cause in ("learning rate too high (lr=1e+08)", "log of 0", "exploding gradients"):
        assert cause in message
    assert "input data" not in message
    assert isinstance(error, RuntimeError)
    assert len(error.history.steps) == error.step - 1 == len(optimizer.after_steps)
    unchanged = zip(model.parameters(), optimizer.after_steps[-1], strict=True)
    assert all(np.array_equal(p.data, last) for p, last in unchanged)


@pytest.mark.parametrize(
    ("make_model", "problem"),
    [
        (lambda: nn.Linear(2, 2, generator=0), "the loss is nan"),
        (mlp, "the loss is nan"),  # ReLU keeps NaN, as in torch
    ],
)
def test_nan_in_the_data_is_named_and_stops_before_the_update(make_model, problem):
    model = make_model()
    x = X.copy()
    x[60, 1] = np.nan  # in the second batch
    error, optimizer = diverge(model, lr=0.1, train_loader=loader(x, Y))

    assert error.step == 2
    assert f"epoch 1, step 2: {problem}" in str(error)
    assert "NaN/inf in the input data (1 of this batch's values)" in str(error)
    unchanged = zip(model.parameters(), optimizer.after_steps[0], strict=True)
    assert all(np.array_equal(p.data, after_step_1) for p, after_step_1 in unchanged)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # sqrt's gradient at 0 is inf, times 0
def test_a_nan_gradient_with_a_finite_loss_stops_before_the_update():
    model = mlp()
    start = weights(model)
    error, optimizer = diverge(model, lr=0.1, loss_fn=lambda out, y: (out * 0.0).sqrt().sum())

    assert error.step == 1 and not error.history.steps and not optimizer.after_steps
    assert "the gradient of" in str(error) and "has norm nan" in str(error)
    assert "largest gradient norm in the last step: nan" in str(error)
    assert same_weights(weights(model), start)


# --- progress, callbacks, resuming, clipping ------------------------------------------------------


@pytest.mark.parametrize("progress", [False, None])  # None: on only for a terminal, not pytest's
def test_without_a_progress_bar_fit_prints_nothing(capsys, progress):
    train(mlp(), val_loader=loader(), epochs=2, progress=progress)

    assert capsys.readouterr() == ("", "")


def test_the_progress_bar_shows_the_epoch_and_the_loss(capsys):
    train(mlp(), epochs=2, progress=True)

    err = capsys.readouterr().err
    assert "epoch 1/2" in err and "epoch 2/2" in err and "loss=" in err


def test_one_progress_bar_counts_every_step_of_the_run(capsys):
    train(mlp(), epochs=3, progress=True)  # 4 batches an epoch

    err = capsys.readouterr().err
    assert err.count("\n") == 1  # one bar, redrawn in place ("\r"), left once when it closes
    assert "12/12" in err.splitlines()[-1] and "epoch 3/3" in err.splitlines()[-1]


def test_the_progress_bar_is_tqdm_auto_so_jupyter_gets_a_widget():
    from tqdm.auto import tqdm

    with training.progress_bar(3, False, "run") as bar:
        assert isinstance(bar, tqdm) and bar.total == 3


def test_a_callback_returning_true_stops_training_and_every_callback_runs():
    calls = []

    def stop_at_2(history: training.History) -> bool:
        calls.append("stop")
        return len(history.epochs) == 2

    history = train(mlp(), epochs=5, callbacks=[stop_at_2, lambda h: calls.append("other")])

    assert len(history.epochs) == 2 and history.stopped_epoch == 2
    assert calls == ["stop", "other"] * 2


def test_history_resumes_counting_steps_and_epochs(capsys):
    model = mlp()
    history = train(model, epochs=5, callbacks=[lambda history: True])  # stops after epoch 1
    assert history.stopped_epoch == 1
    same = train(model, epochs=2, history=history, progress=True)

    assert same is history
    assert history.series("epoch").tolist() == [1, 2, 3]
    assert history.series("step", "step").tolist() == list(range(1, 13))
    assert history.stopped_epoch is None  # the resumed run ran all its epochs
    assert "epoch 2/3" in capsys.readouterr().err


def test_clip_grad_norm_bounds_the_update_but_not_the_logged_norm():
    model = mlp()
    start = weights(model)
    history = train(model, lr=0.1, train_loader=loader(batch_size=200), clip_grad_norm=1e-3)

    moved = math.sqrt(sum(np.sum((p - start[k]) ** 2) for k, p in weights(model).items()))
    assert moved <= 0.1 * 1e-3 * (1 + 1e-3)
    assert history.steps[0]["grad_norm/2.weight"] > 1e-2  # logged before clipping


# --- accuracy and bad arguments -------------------------------------------------------------------


def test_accuracy_is_the_fraction_of_rows_whose_argmax_is_the_target():
    out = Tensor(np.array([[0.1, 0.9], [2.0, 1.0], [0.0, 3.0], [1.0, 0.0]]))

    assert training.accuracy(out, np.array([1, 0, 0, 1])) == 0.5
    with pytest.raises(ValueError, match=r"accuracy: .*target has shape \(4, 1\)"):
        training.accuracy(out, np.zeros((4, 1), np.int64))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"epochs": 0}, ValueError, "epochs must be >= 1, got 0"),
        ({"epochs": 2.5}, TypeError, "epochs must be an int"),
        ({"clip_grad_norm": 0}, ValueError, "clip_grad_norm must be > 0"),
        ({"metrics": {"loss": training.accuracy}}, ValueError, "metric name 'loss'"),
        ({"train_loader": []}, ValueError, "train_loader yielded no batches"),
        ({"train_loader": [(X, Y, Y)]}, TypeError, r"\(input, target\) pairs, got 3 items"),
        (
            {"early_stopping": training.EarlyStopping(monitor="val_acc")},
            ValueError,
            r"monitor='val_acc' is not in the epoch record; available: \['dead_relu/1', 'epoch', "
            r"'loss', 'lr'\] \(val_ values need a val_loader\)",
        ),
    ],
)
def test_bad_fit_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        train(mlp(), **kwargs)


def test_a_loss_fn_returning_per_sample_losses_is_refused():
    per_sample = nn.CrossEntropyLoss(reduction="none")
    model = mlp()
    with pytest.raises(ValueError, match=r"scalar loss, got shape \(50,\)"):
        training.fit(
            model, per_sample, optim.SGD(model.parameters(), lr=0.1), loader(), progress=False
        )


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"patience": -1}, ValueError, "patience must be >= 0, got -1"),
        ({"patience": 1.5}, TypeError, "patience must be an int"),
        ({"min_delta": -0.1}, ValueError, "min_delta must be a number >= 0"),
        ({"mode": "avg"}, ValueError, 'mode must be "min" or "max"'),
        ({"monitor": ""}, ValueError, "monitor must name an epoch key"),
    ],
)
def test_bad_early_stopping_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=f"EarlyStopping: {match}"):
        training.EarlyStopping(**kwargs)
