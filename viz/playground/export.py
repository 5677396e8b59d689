"""export_script: a playground run as a standalone script a learner can read and run.

The tracegrad script builds what network.py builds and trains with `fit` as session.py does,
the settings' values written in, so it prints the same losses from the same seed. Its torch twin
(`import tracegrad as torch`) writes the same run as a PyTorch user would: the loop by hand,
torch.Generator seeds, the penalty summed by hand; it prints the same losses up to float32
rounding.
"""

from .network import ACTIVATION_LAYERS
from .settings import Settings

_INIT_LINES = {
    "he": 'nn.init.kaiming_uniform_(linear.weight, nonlinearity="relu", generator=weights)',
    "xavier": "nn.init.xavier_uniform_(linear.weight, generator=weights)",
    "zero": "nn.init.zeros_(linear.weight)",
}
_OPTIMIZERS = {
    "sgd": "optim.SGD(model.parameters(), lr={lr!r})",
    "momentum": "optim.SGD(model.parameters(), lr={lr!r}, momentum=0.9)",
    "nesterov": "optim.SGD(model.parameters(), lr={lr!r}, momentum=0.9, nesterov=True)",
    "adagrad": "optim.Adagrad(model.parameters(), lr={lr!r})",
    "rmsprop": "optim.RMSprop(model.parameters(), lr={lr!r})",
    "adam": "optim.Adam(model.parameters(), lr={lr!r})",
    "adamw": "optim.AdamW(model.parameters(), lr={lr!r})",
}
_SCHEDULES = {
    "constant": "None",
    "step": "lr_scheduler.StepLR(optimizer, step_size=50, gamma=0.5)",
    "exponential": "lr_scheduler.ExponentialLR(optimizer, gamma=0.98)",
    "cosine": "lr_scheduler.CosineAnnealingLR(optimizer, T_max=100)",
    "warmup": "lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=10)",
}
_LOSSES = {
    "none": "nn.MSELoss()",
    "l1": "lambda out, y: mse(out, y) + {rate!r} * nn.l1_penalty(weights_of(model))",
    "l2": "lambda out, y: mse(out, y) + {rate!r} * nn.l2_penalty(weights_of(model))",
}
_TORCH_LOSSES = {
    "none": "nn.MSELoss()",
    "l1": "lambda out, y: mse(out, y) + {rate!r} * sum(w.abs().sum() for w in weights_of(model))",
    "l2": "lambda out, y: mse(out, y) + {rate!r} * sum((w * w).sum() for w in weights_of(model))",
}

# The parts both scripts share: the settings, the data, the network, optimizer and schedule.
_SETUP = '''SEED = {seed}
FEATURES = {features!r}
HIDDEN = {hidden!r}  # neurons per hidden layer
BATCH_SIZE = {batch_size}
STEPS = {steps}  # training steps the playground had taken

# The data: {dataset!r} with {noise}% noise, {train_percent}% of the points for training.
points, targets = make_data({dataset!r}, noise={noise}, seed=SEED)
(train, y_train), (test, y_test) = split(points, targets, train_percent={train_percent})
x_train = {tensor}(features(train, FEATURES).astype(np.float32))
y_train = {tensor}(y_train.astype(np.float32).reshape(-1, 1))
x_test = {tensor}(features(test, FEATURES).astype(np.float32))
y_test = {tensor}(y_test.astype(np.float32).reshape(-1, 1))

# The network: Linear, {activation}, ..., Linear{output}.
weights = {generator}(SEED + 1)
sizes = [len(FEATURES), *HIDDEN, 1]
layers = []
for i, (fan_in, fan_out) in enumerate(pairwise(sizes)):
    linear = nn.Linear(fan_in, fan_out)
    {init_line}
    nn.init.zeros_(linear.bias)
    layers.append(linear)
    if i < len(HIDDEN):
        layers.append(nn.{activation_class}())
{output_line}model = nn.Sequential(*layers)


def weights_of(model):
    """The Linear layers' weights (the regulariser leaves the biases alone)."""
    return [layer.weight for layer in model if isinstance(layer, nn.Linear)]


mse = nn.MSELoss()
loss_fn = {loss}
optimizer = {optimizer}
scheduler = {schedule}  # stepped after each epoch
'''

_TRACEGRAD = '''"""A tracegrad playground run, rebuilt: {string}"""

from itertools import pairwise

import numpy as np

import nn
import optim
from autograd import Tensor, no_grad
from optim import lr_scheduler
from training import fit
from viz.playground.data import features, make_data, split

{setup}
# Train STEPS steps, an epoch at a time, each epoch's batches in a fresh random order.
shuffle = np.random.default_rng(SEED + 2)
history, done = None, 0
while done < STEPS:
    order = shuffle.permutation(len(y_train.data))
    batches = [order[i : i + BATCH_SIZE] for i in range(0, len(order), BATCH_SIZE)]
    epoch = [(Tensor(x_train.data[rows]), Tensor(y_train.data[rows])) for rows in batches]
    piece = epoch[: STEPS - done]  # the last epoch may be cut short
    whole = len(piece) == len(epoch)
    history = fit(model, loss_fn, optimizer, piece, scheduler=scheduler if whole else None,
                  history=history, progress=False)
    done += len(piece)

with no_grad():
    print("train loss", repr(float(mse(model(x_train), y_train).data)))
    print("test loss", repr(float(mse(model(x_test), y_test).data)))
'''

_TORCH = '''"""A tracegrad playground run as PyTorch code: {string}"""

from itertools import pairwise

import numpy as np

import tracegrad as torch
from tracegrad import nn, optim
from tracegrad.optim import lr_scheduler
from viz.playground.data import features, make_data, split

{setup}
# Train STEPS steps, an epoch at a time, each epoch's batches in a fresh random order.
shuffle = torch.Generator().manual_seed(SEED + 2)
step = 0
while step < STEPS:
    order = torch.randperm(len(y_train), generator=shuffle)
    batches = [order[i : i + BATCH_SIZE] for i in range(0, len(order), BATCH_SIZE)]
    for rows in batches[: STEPS - step]:
        loss = loss_fn(model(x_train[rows]), y_train[rows])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        step += 1
    if step % len(batches) == 0 and scheduler is not None:  # a whole epoch done
        scheduler.step()

with torch.no_grad():
    print("train loss", repr(mse(model(x_train), y_train).item()))
    print("test loss", repr(mse(model(x_test), y_test).item()))
'''


def export_script(settings: Settings, steps: int, torch: bool = False) -> str:
    """The Python source of a script that trains `settings`' network `steps` steps from its seed
    and prints "train loss <float>" and "test loss <float>"; with `torch`, its
    `import tracegrad as torch` twin."""
    s = settings
    classification = s.problem == "classification"
    losses = _TORCH_LOSSES if torch else _LOSSES
    setup = _SETUP.format(
        seed=s.seed,
        features=s.features,
        hidden=s.hidden,
        batch_size=s.batch_size,
        steps=steps,
        dataset=s.dataset,
        noise=s.noise,
        train_percent=s.train_percent,
        tensor="torch.from_numpy" if torch else "Tensor",
        activation=s.activation,
        output=", tanh (labels are +-1)" if classification else " (a real target)",
        generator="torch.Generator().manual_seed" if torch else "np.random.default_rng",
        init_line=_INIT_LINES[s.init],
        activation_class=ACTIVATION_LAYERS[s.activation].__name__,
        output_line="layers.append(nn.Tanh())\n" if classification else "",
        loss=losses[s.regularization].format(rate=s.regularization_rate),
        optimizer=_OPTIMIZERS[s.optimizer].format(lr=s.lr),
        schedule=_SCHEDULES[s.schedule],
    )
    return (_TORCH if torch else _TRACEGRAD).format(string=s.to_string(), setup=setup)
