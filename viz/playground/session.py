"""Session: one playground run, without any UI. The widgets drive it and draw what it returns.

Training goes through `training.fit`, so each step is fit's step: its History records the loss,
lr, gradient norms and update ratios, and a nan or inf stops the run with fit's message. An epoch
is a pass over the training points in a fresh random order (`np.random.default_rng(seed + 2)`)
in batches of batch_size (the last may be smaller); `step(n)` may stop inside one and the next
call carries on. fit is called once per piece of an epoch, so a fit "epoch" in its History and
messages is one such piece; `epoch` here counts whole passes.
"""

import numpy as np

import nn
from autograd import Tensor, no_grad
from training import History, TrainingDiverged, fit
from training.diagnostics import dead_relu

from .data import features, grid, make_data, split
from .export import export_script
from .network import build_loss, build_model, build_optimizer, build_scheduler
from .settings import Settings


class Session:
    """A network, its data, optimizer and schedule, trained a few steps at a time."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.reset()

    def reset(self) -> None:
        """Start over from the settings: the same data and the same initial weights."""
        s = self.settings
        points, targets = make_data(s.dataset, s.noise, seed=s.seed)
        (train, y_train), (test, y_test) = split(points, targets, s.train_percent)
        self.train_points, self.test_points = train, test  # (N, 2) each, for drawing
        self.x_train, self.y_train = _inputs(train, y_train, s.features)
        self.x_test, self.y_test = _inputs(test, y_test, s.features)
        self.model = build_model(s)
        self.optimizer = build_optimizer(s, self.model)
        self.scheduler = build_scheduler(s, self.optimizer)
        self.loss_fn = build_loss(s, self.model)
        self.history = History()
        self.steps = 0  # training steps taken
        self.epoch = 0  # whole passes over the training points
        self.diverged: str | None = None  # fit's message once a loss or gradient is nan/inf
        self._shuffle = np.random.default_rng(s.seed + 2)
        self._batches: list[tuple[Tensor, Tensor]] = []  # what is left of the current epoch
        self._cache: dict[int, list[np.ndarray]] = {}  # computed outputs, valid until the next step

    def step(self, n: int | None = None) -> int:
        """Train n steps (default: settings.steps_per_frame); the number taken, fewer if the run
        diverged (then `diverged` holds the message and later calls take none)."""
        n = self.settings.steps_per_frame if n is None else n
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"Session.step: n must be an int >= 0, got {n!r}")
        taken = 0
        while taken < n and self.diverged is None:
            if not self._batches:
                self._batches = self._epoch_batches()
            piece = self._batches[: n - taken]
            del self._batches[: len(piece)]
            ends_epoch = not self._batches
            scheduler = self.scheduler if ends_epoch else None  # fit steps it after the piece
            try:
                fit(self.model, self.loss_fn, self.optimizer, piece, scheduler=scheduler,
                    history=self.history, progress=False)  # fmt: skip
            except TrainingDiverged as error:
                self.diverged = str(error)
                taken += error.step - 1 - self.steps
                self.steps = error.step - 1
                break
            self.steps += len(piece)
            taken += len(piece)
            self.epoch += ends_epoch
        self._cache.clear()
        return taken

    @property
    def lr(self) -> float:
        """The learning rate the next step uses."""
        return self.optimizer.param_groups[0]["lr"]

    @property
    def train_loss(self) -> float:
        """Mean squared error over the training points (without the regulariser)."""
        return self._loss(self.x_train, self.y_train)

    @property
    def test_loss(self) -> float:
        """Mean squared error over the test points (without the regulariser)."""
        return self._loss(self.x_test, self.y_test)

    def boundary(self, resolution: int = 50) -> np.ndarray:
        """The network's output over data.grid(resolution): (R, R), row i at x2 = the i-th of
        linspace(-6, 6, R), column j at x1 = the j-th."""
        return self._grid_outputs(resolution)[-1][:, 0].reshape(resolution, resolution)

    def neuron_maps(self, resolution: int = 50) -> list[np.ndarray]:
        """Each hidden layer's outputs (after its activation) over the grid: (units, R, R) each."""
        hidden = self._grid_outputs(resolution)[:-1]
        return [out.T.reshape(-1, resolution, resolution) for out in hidden]

    def weights(self) -> list[np.ndarray]:
        """Each Linear layer's weight for drawing the edges: (out, in) arrays, input layer first."""
        return [layer.weight.data.copy() for layer in self.model if isinstance(layer, nn.Linear)]

    def grad_norms(self) -> dict[str, float]:
        """The last step's gradient norm of each parameter ("0.weight", ...); {} before one."""
        return self._last_step("grad_norm/")

    def update_ratios(self) -> dict[str, float]:
        """The last step's |change| / |parameter| of each parameter; {} before a step."""
        return self._last_step("update_ratio/")

    def dead_relus(self) -> int:
        """ReLU units that output 0 for every training point (0 for other activations)."""
        fractions = dead_relu(self.model, self.x_train)  # {"dead_relu/<child>": fraction}
        sizes = [self.settings.hidden[(int(key.split("/")[1]) - 1) // 2] for key in fractions]
        return round(sum(f * size for f, size in zip(fractions.values(), sizes, strict=True)))

    def export_code(self, torch: bool = False) -> str:
        """A standalone tracegrad script that rebuilds this run from the seed and prints its
        train and test loss (as `train_loss`/`test_loss` give them); with `torch`, the same run
        as `import tracegrad as torch` code (a hand-written loop instead of fit)."""
        return export_script(self.settings, self.steps, torch)

    def _epoch_batches(self) -> list[tuple[Tensor, Tensor]]:
        order = self._shuffle.permutation(len(self.y_train))
        size = self.settings.batch_size
        x, y = self.x_train.data, self.y_train.data
        batches = [order[i : i + size] for i in range(0, len(order), size)]
        return [(Tensor(x[rows]), Tensor(y[rows])) for rows in batches]

    def _loss(self, x: Tensor, y: Tensor) -> float:
        with no_grad():
            return float(nn.MSELoss()(self.model(x), y).data)

    def _grid_outputs(self, resolution: int) -> list[np.ndarray]:
        """The output of every hidden activation and of the network over the grid, in order:
        (R*R, units) each, the network's (R*R, 1) last."""
        if resolution not in self._cache:
            x = Tensor(features(grid(resolution), self.settings.features).astype(np.float32))
            hidden_at = {2 * k + 1 for k in range(len(self.settings.hidden))}  # activations
            outputs = []
            with no_grad():
                for i, layer in enumerate(self.model):
                    x = layer(x)
                    if i in hidden_at:
                        outputs.append(x.data)
            self._cache[resolution] = [*outputs, x.data]
        return self._cache[resolution]

    def _last_step(self, prefix: str) -> dict[str, float]:
        last = self.history.steps[-1] if self.history.steps else {}
        return {key.removeprefix(prefix): v for key, v in last.items() if key.startswith(prefix)}


def _inputs(points: np.ndarray, targets: np.ndarray, names: tuple[str, ...]) -> tuple:
    """(features (N, F), targets (N, 1)) as float32 Tensors."""
    x = features(points, names).astype(np.float32)
    return Tensor(x), Tensor(targets.astype(np.float32).reshape(-1, 1))
