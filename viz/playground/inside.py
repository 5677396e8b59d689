"""The inside of a playground run, as text and pictures: a neuron's incoming weights and their
gradients with the chain rule for one of them, the collapsed computation graph of the current
step, and the per-layer diagnostics (gradient norms, update ratios, dead ReLUs).
"""

import contextlib
import html
import io

import numpy as np

import nn
from autograd import Tensor, Value, no_grad
from viz.graph import GraphvizMissing, draw_graph

from .session import Session

# Jupyter's widget HTML spaces lines a widget's height apart and sets no monospace font
PRE = ("<pre style='font-family: monospace; font-size: 12px; line-height: 1.3; "
       "max-height: 420px; max-width: 940px; overflow: auto'>{}</pre>")  # fmt: skip
TABLE = "<table style='line-height: 1.3'>{}</table>"
SVG = "<div style='width: 940px'>{}</div>"  # the drawing scaled down to this width

# the activation as a Value op, for explaining one weight's gradient with Values
_VALUE_ACTIVATIONS = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "leaky_relu": Value.leaky_relu,  # nn.LeakyReLU's slope, 0.01
    "silu": lambda z: z * z.sigmoid(),
    "linear": lambda z: z,
}


def linear_layers(session: Session) -> list[nn.Linear]:
    """The network's Linear layers, input side first."""
    return [layer for layer in session.model if isinstance(layer, nn.Linear)]


def neuron_report(session: Session, column: int, unit: int) -> str:
    """HTML about neuron `unit` of network column `column` (1 = the first hidden layer, the
    last = the output): its incoming weights and their gradients from the last step, and the
    chain rule for the first weight's gradient on the first training point."""
    layers = linear_layers(session)
    if not 1 <= column <= len(layers):
        feature = html.escape(session.settings.features[unit])
        return f"<b>input {feature}</b>: a feature, it has no incoming weights."
    layer = layers[column - 1]
    grad = layer.weight.grad
    grads = ["-"] * layer.in_features if grad is None else [f"{g:+.4g}" for g in grad.data[unit]]
    names = _input_names(session, column)
    weights = [f"{w:+.4f}" for w in layer.weight.data[unit]]
    rows = list(zip(names, weights, grads, strict=True))
    title = "output" if column == len(layers) else f"layer {column}, neuron {unit + 1}"
    return (
        f"<b>{title}</b>: incoming weights and their gradients from the last step"
        + _table(("from", "weight", "gradient"), rows)
        + PRE.format(html.escape(explain_weight(session, column, unit)))
    )


def explain_weight(session: Session, column: int, unit: int) -> str:
    """backward(explain=True)'s chain rule, with Values, for d(neuron's output)/d(its first
    incoming weight) on the first training point."""
    layer = linear_layers(session)[column - 1]
    inputs = _layer_input(session, column)  # (in,)
    w0 = float(layer.weight.data[unit, 0])
    z_value = float(inputs @ layer.weight.data[unit] + layer.bias.data[unit])
    w = Value(w0, label="w")
    a = Value(float(inputs[0]), label="a")
    rest = Value(z_value - w0 * float(inputs[0]), label="rest")
    z = w * a + rest
    z.label = "z"
    last = column == len(linear_layers(session))
    name = "tanh" if last and session.settings.problem == "classification" else (
        "linear" if last else session.settings.activation)  # fmt: skip
    activation = _VALUE_ACTIVATIONS.get(name)
    out = activation(z) if activation is not None else z
    out.label = "h" if out is not z else "z"
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        out.backward(explain=True)
    note = (f"h = {name}(z), z = w * a + rest: w is the first incoming weight, a its input on the "
            f"first training point, rest the other inputs' terms and the bias")  # fmt: skip
    if activation is None:
        note += f" ({name} has no Value op here: the chain rule is shown up to z)"
    return f"{note}\n{text.getvalue()}"


def graph_svg(session: Session) -> str:
    """The computation graph of the loss on the training points, one box per layer, as SVG
    (or a line saying why it cannot be drawn). The parameters' gradients are left as they were."""
    params = session.model.parameters()
    saved = [p.grad for p in params]
    try:
        for p in params:
            p.grad = None
        loss = session.loss_fn(session.model(session.x_train), session.y_train)
        loss.backward()
        graph = draw_graph(loss, rankdir="TB", model=session.model, collapse_modules=True)
        svg = graph.pipe(format="svg").decode()
        return SVG.format(svg.replace("<svg ", "<svg style='max-width: 100%; height: auto' ", 1))
    except GraphvizMissing as error:
        return f"<p>{html.escape(str(error))}</p>"
    finally:
        for p, grad in zip(params, saved, strict=True):
            p.grad = grad


def diagnostics(session: Session) -> str:
    """HTML: the last step's gradient norm and update ratio per parameter, a notice when ReLUs
    are dead, the divergence message when the run stopped."""
    lines = []
    if session.diverged:
        lines.append(f"<p style='color:#b00'><b>Training stopped</b>: "
                     f"{html.escape(session.diverged)}</p>")  # fmt: skip
    norms, ratios = session.grad_norms(), session.update_ratios()
    if norms:
        rows = [(name, f"{norms[name]:.3g}", f"{ratios[name]:.3g}") for name in norms]
        lines.append(_table(("parameter", "gradient norm", "update ratio"), rows))
    if session.settings.activation == "relu":
        dead = session.dead_relus()
        if dead:
            lines.append(f"<p style='color:#b60'>{dead} dead ReLU{'s' * (dead != 1)}: 0 on "
                         "every training point, so they no longer learn</p>")  # fmt: skip
    return "".join(lines)


def _table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    body = "".join(f"<tr>{_cells('td', row)}</tr>" for row in rows)
    return TABLE.format(f"<tr>{_cells('th', headers)}</tr>{body}")


def _cells(tag: str, values: tuple[str, ...]) -> str:
    return "".join(f"<{tag}>{html.escape(v)}</{tag}>" for v in values)


def _input_names(session: Session, column: int) -> list[str]:
    if column == 1:
        return list(session.settings.features)
    previous = session.settings.hidden[column - 2]
    return [f"layer {column - 1}, neuron {i + 1}" for i in range(previous)]


def _layer_input(session: Session, column: int) -> np.ndarray:
    """What the column's Linear layer takes in on the first training point: (in,)."""
    x = Tensor(session.x_train.data[:1])  # (1, features)
    target = linear_layers(session)[column - 1]
    with no_grad():
        for layer in session.model:
            if layer is target:
                break
            x = layer(x)
    return x.data[0]
