"""The 17 simulations from Python: every control moved, every shown number checked against the
engine computed here directly (Value and Tensor graphs, nn, optim)."""

import math

import numpy as np
import pytest

import nn
from autograd import Tensor, Value
from nn import functional as F
from optim import SGD, Adam, AdamW
from tracegrad.cli import main
from viz.simulations import SIMULATIONS, describe, format_number, gallery
from viz.simulations.circuits import ThreeGates, computation_graph, gate_circuit, richer_circuit
from viz.simulations.decay import AdamVersusAdamW
from viz.simulations.descent import DescentOnSquare, NumericalGradient, Slope
from viz.simulations.landscapes import SURFACES, BatchSizes, LossLandscape
from viz.simulations.lessons import Initialisation, LearningRate, Regularisation, lessons
from viz.simulations.losses import LossExplorer
from viz.simulations.neurons import NEURON_INPUTS, Activations, LearnALine, Neuron
from viz.simulations.passes import ForwardStages, NetworkPasses
from viz.surfaces import default_optimizers

PNG = b"\x89PNG"


def set_controls(simulation, **values) -> None:
    for name, value in values.items():
        simulation.controls[name].value = value


def shown(simulation, name: str) -> bool:
    """Whether the numbers table shows `name` with its number."""
    number = format_number(simulation.numbers[name])
    cell = f"{name}</td><td style='text-align:right;padding-left:1em'>{number}</td>"
    return cell in simulation.readout.value


def test_the_registry_has_the_17_in_the_course_order_each_with_one_line():
    assert len(SIMULATIONS) == 17
    for name in SIMULATIONS:
        assert name.islower() and " " not in name
        assert describe(name) and "\n" not in describe(name)


# --- circuits -----------------------------------------------------------------------------------


@pytest.mark.parametrize("x, y, z", [(-2.0, 5.0, -4.0), (3.0, 0.5, 2.0), (0.0, -1.5, 0.0)])
def test_gate_circuit_shows_values_gradients_and_local_derivatives_of_value(x, y, z):
    simulation = gate_circuit()
    set_controls(simulation, x=x, y=y, z=z)
    vx, vy, vz = Value(x), Value(y), Value(z)
    q = vx + vy
    f = q * vz
    f.backward()
    numbers = simulation.numbers
    assert (numbers["q"], numbers["f"]) == (q.data, f.data)
    assert [numbers[f"grad {n}"] for n in "xyzqf"] == [vx.grad, vy.grad, vz.grad, q.grad, 1.0]
    lone_q = Value(q.data)  # the multiply gate alone: its local derivative is z
    (lone_q * Value(z)).backward()
    assert numbers["df/dq"] == lone_q.grad and numbers["dq/dx"] == numbers["dq/dy"] == 1.0
    assert shown(simulation, "grad x") and bytes(simulation.picture.value).startswith(PNG)


def richer(x, y, z, w):
    """The richer circuit straight from Value: its inputs after backward, and f."""
    values = [Value(v) for v in (x, y, z, w)]
    vx, vy, vz, vw = values
    f = (vx + vy) * vz + vx.maximum(vw)
    f.backward()
    return values, f


def test_richer_circuit_goes_forward_column_by_column_then_back_gate_by_gate():
    simulation = richer_circuit()
    assert simulation.numbers == {}
    simulation.buttons["Backward"].click()  # nothing to send back before the forward pass
    assert simulation.numbers == {}
    simulation.buttons["Forward"].click()
    assert set(simulation.numbers) == {"w", "x", "y", "z"}
    for _ in range(3):
        simulation.buttons["Forward"].click()
    (vx, vy, vz, vw), f = richer(-2.0, 5.0, -4.0, 1.0)
    assert simulation.numbers["f"] == f.data == -11.0
    assert not any(name.startswith("grad") for name in simulation.numbers)
    simulation.buttons["Backward"].click()  # through f = m + r
    assert simulation.numbers["grad m"] == simulation.numbers["grad r"] == 1.0
    assert "grad x" not in simulation.numbers  # x feeds two gates, neither done yet
    for _ in range(3):
        simulation.buttons["Backward"].click()
    grads = {n: simulation.numbers[f"grad {n}"] for n in "xyzw"}
    assert grads == {"x": vx.grad, "y": vy.grad, "z": vz.grad, "w": vw.grad}
    # the chain rule's multiplications: what the gates send x adds up to x's gradient
    assert simulation.numbers["q->x"] + simulation.numbers["r->x"] == vx.grad
    simulation.controls["z"].value = 2.0  # moving an input starts over
    assert simulation.numbers == {} and "forward pass: 0" in simulation.status.value


@pytest.mark.parametrize("x, w", [(-2.0, 1.0), (3.0, 1.0), (-2.0, -2.0)])  # w larger, x, a tie
def test_richer_circuit_routes_max_like_value(x, w):
    simulation = richer_circuit()
    set_controls(simulation, x=x, w=w, y=1.5, z=3.0)
    for label in ["Forward"] * 4 + ["Backward"] * 4:
        simulation.buttons[label].click()
    (vx, vy, vz, vw), f = richer(x, 1.5, 3.0, w)
    assert simulation.numbers["f"] == f.data
    assert [simulation.numbers[f"grad {n}"] for n in "xyzw"] == [vx.grad, vy.grad, vz.grad, vw.grad]


def test_computation_graph_fills_values_then_gradients_as_value_computes_them():
    simulation = computation_graph()
    set_controls(simulation, a=3.0, b=-1.0, c=4.0, d=-2.5)
    counts = []
    for label in ["Forward"] * 4 + ["Backward"] * 3:
        simulation.buttons[label].click()
        counts.append(len(simulation.numbers))
    assert counts == sorted(counts) and len(set(counts)) == 7  # each press shows more
    a, b, c, d = Value(3.0), Value(-1.0), Value(4.0), Value(-2.5)
    loss = (a * b + c) * d
    loss.backward()
    assert simulation.numbers["L"] == loss.data
    assert [simulation.numbers[f"grad {n}"] for n in "abcd"] == [a.grad, b.grad, c.grad, d.grad]


@pytest.mark.parametrize("x, y", [(3.0, -1.0), (-2.0, 4.5), (1.5, 1.5)])
def test_three_gates_route_an_upstream_one_as_value_does(x, y):
    simulation = ThreeGates()
    set_controls(simulation, x=x, y=y)
    for op, gate in {"+": Value.__add__, "*": Value.__mul__, "max": Value.maximum}.items():
        vx, vy = Value(x), Value(y)
        out = gate(vx, vy)
        out.backward()
        assert simulation.numbers[f"x {op} y"] == out.data
        assert (simulation.numbers[f"{op}: grad x"], simulation.numbers[f"{op}: grad y"]) == (
            vx.grad,
            vy.grad,
        )
    if x == y:
        assert simulation.numbers["max: grad x"] == simulation.numbers["max: grad y"] == 0.5


# --- neurons ------------------------------------------------------------------------------------


@pytest.mark.parametrize("w1, w2, w3, b", [(0.5, -0.3, 0.8, 0.1), (-1.0, 0.5, -1.5, 0.2)])
def test_neuron_output_is_relu_of_the_weighted_sum_with_values_gradients(w1, w2, w3, b):
    simulation = Neuron()
    set_controls(simulation, w1=w1, w2=w2, w3=w3, b=b)
    weights, bias = [Value(w) for w in (w1, w2, w3)], Value(b)
    weighted_sum = sum((w * x for w, x in zip(weights, NEURON_INPUTS, strict=True)), bias)
    out = weighted_sum.relu()
    out.backward()
    assert simulation.numbers["w·x + b"] == pytest.approx(weighted_sum.data, abs=1e-15)
    assert simulation.numbers["relu"] == pytest.approx(max(weighted_sum.data, 0.0), abs=1e-15)
    grads = [simulation.numbers[f"d out/d w{i}"] for i in (1, 2, 3)]
    assert grads == [w.grad for w in weights] and simulation.numbers["d out/d b"] == bias.grad
    if weighted_sum.data < 0:  # the ReLU clamps: no gradient reaches the weights
        assert simulation.numbers["relu"] == 0 and grads == [0.0, 0.0, 0.0]


ACTIVATIONS = {"sigmoid": F.sigmoid, "tanh": F.tanh, "ReLU": F.relu, "GELU": F.gelu,
               "SiLU": F.silu, "leaky ReLU": lambda t: F.leaky_relu(t, 0.1)}  # fmt: skip


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_explorer_shows_the_function_and_its_autograd_derivative(name):
    simulation = Activations()
    simulation.controls["activation"].value = name
    for x in (-2.5, 0.7):
        simulation.controls["x"].value = x
        point = Tensor(np.array([x]), requires_grad=True)
        y = ACTIVATIONS[name](point)
        y.sum().backward()
        assert simulation.numbers["f(x)"] == y.data[0]
        assert simulation.numbers["f'(x)"] == point.grad.data[0]


def test_sigmoid_and_tanh_derivatives_vanish_in_the_tails():
    simulation = Activations()
    simulation.controls["x"].value = 5.0
    for name in ("sigmoid", "tanh"):
        simulation.controls["activation"].value = name
        assert simulation.numbers["f'(x)"] < 0.01


def test_learn_a_line_takes_sgd_steps_on_the_logistic_loss():
    simulation = LearnALine()
    simulation.controls["lr"].value = 0.5
    weight = Tensor(np.array([-1.0, 1.5]), requires_grad=True)
    bias = Tensor(np.array(1.0), requires_grad=True)
    optimizer = SGD([weight, bias], lr=0.5)
    start = simulation.numbers["loss"]
    for _ in range(3):
        simulation.buttons["Learn"].click()
        for _ in range(10):
            optimizer.zero_grad()
            logits = Tensor(simulation.points) @ weight + bias
            F.binary_cross_entropy_with_logits(logits, simulation.labels).backward()
            optimizer.step()
    assert simulation.numbers["steps"] == 30
    assert [simulation.numbers[k] for k in ("w1", "w2", "b")] == [*weight.data, bias.item()]
    assert simulation.numbers["loss"] < start / 2 and simulation.numbers["accuracy"] >= 0.9
    simulation.buttons["Reset"].click()
    assert simulation.numbers["loss"] == start and simulation.numbers["steps"] == 0


# --- losses and descent -------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.01, 0.3, 0.9])
def test_loss_explorer_cross_entropy_is_nn_functional_cross_entropy(p):
    simulation = LossExplorer()
    simulation.controls["p"].value = p
    probability = Tensor(np.array(p), requires_grad=True)
    logits = Tensor(np.log([[p, 1 - p]]))
    ce = F.cross_entropy(logits, np.array([0]))
    assert simulation.numbers["CE"] == pytest.approx(ce.item(), rel=1e-12)
    assert simulation.numbers["CE"] == pytest.approx(-math.log(p), rel=1e-12)
    se = F.mse_loss(probability, np.array(1.0))
    se.backward()
    assert (
        simulation.numbers["SE"] == se.item()
        and simulation.numbers["dSE/dp"] == probability.grad.item()
    )
    lone = Tensor(np.array(p), requires_grad=True)
    (-lone.log()).backward()  # the cliff: d(-log p)/dp
    assert simulation.numbers["dCE/dp"] == pytest.approx(lone.grad.item(), rel=1e-12)


@pytest.mark.parametrize("w", [-2.0, 0.0, 1.5])
def test_slope_is_values_gradient_and_one_sgd_step(w):
    simulation = Slope()
    simulation.controls["w"].value = w
    v = Value(w)
    loss = v**2
    loss.backward()
    assert (simulation.numbers["L"], simulation.numbers["dL/dw"]) == (loss.data, v.grad)
    SGD([v], lr=0.1).step()
    assert simulation.numbers["w after a step"] == v.data


def test_numerical_gradient_fails_both_ways_and_sooner_in_float32():
    simulation = NumericalGradient()
    simulation.controls["w"].value = 2.0
    for dtype in (np.float32, np.float64):
        x = Tensor(np.array(2.0, dtype), requires_grad=True)
        (x**2).backward()
        assert simulation.numbers[f"backward {np.dtype(dtype).name}"] == x.grad.item()
    simulation.controls["h"].value = 1e-2  # too large: a forward difference is off by h
    assert simulation.numbers["forward gap float64"] == pytest.approx(1e-2, rel=1e-6)
    assert simulation.numbers["centred gap float64"] < 1e-12
    simulation.controls["h"].value = 1e-4
    w, h = Tensor(np.array(2.0, np.float32)), np.float32(1e-4)
    centred = ((w + h) ** 2 - (w - h) ** 2).item() / (2 * h)
    assert simulation.numbers["centred gap float32"] == pytest.approx(abs(centred - 4.0))
    assert (
        simulation.numbers["centred gap float32"] > 100 * simulation.numbers["centred gap float64"]
    )
    simulation.controls["h"].value = 1e-13  # too small: rounding swamps the difference
    assert simulation.numbers["centred gap float64"] > 1e-4


@pytest.mark.parametrize(
    "lr, regime", [(0.1, "smooth"), (0.8, "overshooting"), (1.06, "diverging")]
)
def test_descent_on_square_follows_sgd_on_a_value(lr, regime):
    simulation = DescentOnSquare()
    simulation.controls["lr"].value = lr
    w = Value(2.0)
    optimizer = SGD([w], lr=lr)
    for _ in range(20):
        optimizer.zero_grad()
        (w**2).backward()
        optimizer.step()
    assert simulation.numbers["w after 20"] == w.data
    assert simulation.numbers["L after 20"] == (w**2).data
    assert regime in simulation.status.value


def test_loss_landscape_steps_the_chosen_optimizer_of_the_ladder():
    simulation = LossLandscape()
    for surface, optimizer in [("ravine", "SGD"), ("rosenbrock", "Adam"), ("saddle", "RMSprop")]:
        set_controls(simulation, surface=surface, optimizer=optimizer)
        assert (simulation.numbers["x"], simulation.numbers["y"]) == SURFACES[surface].start
        for _ in range(2):
            simulation.buttons["Step downhill"].click()
        position = Tensor(np.array(SURFACES[surface].start), requires_grad=True)
        for _ in range(2):  # a fresh optimizer each press
            step = default_optimizers(SURFACES[surface])[optimizer]([position])
            for _ in range(10):
                step.zero_grad()
                SURFACES[surface].f(position[0], position[1]).backward()
                step.step()
        assert (simulation.numbers["x"], simulation.numbers["y"]) == tuple(position.data)
        assert simulation.numbers["steps"] == 20
        height = SURFACES[surface].f(position[0], position[1])
        position.grad = None
        height.backward()
        assert simulation.numbers["f"] == height.item()
        assert (simulation.numbers["df/dx"], simulation.numbers["df/dy"]) == tuple(
            position.grad.data
        )
    set_controls(simulation, x=0.5, y=-1.0)  # a new start
    assert (simulation.numbers["x"], simulation.numbers["y"], simulation.numbers["steps"]) == (
        0.5,
        -1.0,
        0,
    )
    simulation.buttons["Step downhill"].click()
    simulation.buttons["Reset"].click()
    assert simulation.numbers["steps"] == 0


def test_batch_sizes_full_batch_is_gradient_descent_and_single_is_noisiest():
    simulation = BatchSizes()
    set_controls(simulation, lr=0.2, batch=4)
    x, y = simulation.x, simulation.y
    w, b = Tensor(np.array(-1.0), requires_grad=True), Tensor(np.array(-1.5), requires_grad=True)
    optimizer = SGD([w, b], lr=0.2)
    for _ in range(60):
        optimizer.zero_grad()
        F.mse_loss(w * Tensor(x) + b, y).backward()
        optimizer.step()
    assert simulation.numbers["full w"] == pytest.approx(w.item(), rel=1e-12)
    assert simulation.numbers["full b"] == pytest.approx(b.item(), rel=1e-12)
    for name in ("full", "mini", "single"):
        end = Tensor(np.array(simulation.numbers[f"{name} w"])) * Tensor(x)
        loss = F.mse_loss(end + simulation.numbers[f"{name} b"], y)
        assert simulation.numbers[f"{name} loss"] == pytest.approx(loss.item(), rel=1e-12)
    roughness = {
        name: np.abs(np.diff(path, 2, axis=0)).sum() for name, path in simulation.paths.items()
    }
    assert roughness["full"] < roughness["mini"] < roughness["single"]
    before = simulation.numbers["mini w"]
    simulation.controls["batch"].value = 16
    assert simulation.numbers["mini w"] != before


def test_adam_with_l2_decays_little_under_large_gradients_adamw_the_same():
    simulation = AdamVersusAdamW()
    set_controls(simulation, **{"weight decay": 0.4, "gradient scale": 100.0})
    for _ in range(2):
        simulation.buttons["Step x50"].click()
    simulation.buttons["Step"].click()
    assert simulation.numbers["steps"] == 101
    for kind, make in {"adam+l2": Adam, "adamw": AdamW}.items():
        p = Value(1.0)
        optimizer = make([p], lr=0.01, weight_decay=0.4)
        for t in range(101):
            optimizer.zero_grad()
            (p * (100.0 * (-1) ** t)).backward()
            optimizer.step()
        assert simulation.numbers[f"p {kind}"] == p.data
    assert simulation.numbers["decay adam+l2"] < 0.05 * simulation.numbers["decay adamw"]
    simulation.controls["gradient scale"].value = 0.001  # small gradients: L2 in Adam is strong
    assert simulation.numbers["decay adam+l2"] > simulation.numbers["decay adamw"]
    simulation.buttons["Reset"].click()
    assert simulation.numbers["steps"] == 0 and simulation.numbers["decay adamw"] == 0


# --- passes -------------------------------------------------------------------------------------


def test_forward_stages_step_through_the_tensors_of_nn_linear_relu_softmax():
    simulation = ForwardStages()
    set_controls(simulation, x1=0.4, x2=-1.2, x3=1.0)
    x = Tensor(np.array([0.4, -1.2, 1.0]))
    first, second = nn.Linear(3, 4, generator=0), nn.Linear(4, 2, generator=1)
    z1 = first(x)
    expected = [x, z1, F.relu(z1), second(F.relu(z1)), F.softmax(second(F.relu(z1)), dim=-1)]
    names = ["input x", "W1 x + b1", "ReLU", "W2 h + b2", "softmax"]
    for stage, (name, tensor) in enumerate(zip(names, expected, strict=True)):
        assert simulation.numbers["stage"] == stage
        assert [simulation.numbers[f"{name}[{i}]"] for i in range(tensor.shape[0])] == list(
            tensor.data
        )
        assert f"{name} {tuple(tensor.shape)}" in simulation.status.value
        simulation.buttons["Step"].click()
    assert sum(simulation.numbers[f"softmax[{i}]"] for i in (0, 1)) == pytest.approx(1.0)
    simulation.buttons["Reset"].click()
    assert simulation.numbers["stage"] == 0 and "ReLU[0]" not in simulation.numbers


def test_network_passes_show_activations_then_the_gradients_backward_computes():
    simulation = NetworkPasses()
    simulation.controls["speed"].value = 20.0
    activations = [simulation.x]
    for i, layer in enumerate(simulation.layers):
        z = layer(activations[-1])
        activations.append(z if i == 2 else z.tanh())
    for a in activations[1:]:
        a.retain_grad()
    loss = F.cross_entropy(activations[-1], np.array(0))
    loss.backward()
    layers = ["input", "hidden 1", "hidden 2", "logits"]
    for phase in range(1, 9):
        simulation.buttons["Step"].click()
        assert simulation.numbers["phase"] == phase
        for name, a in zip(layers[: min(phase, 4)], activations, strict=False):
            assert [simulation.numbers[f"{name}[{i}]"] for i in range(a.shape[0])] == list(a.data)
        reached = layers[4 - max(phase - 4, 0) :]
        for name in layers:
            a = activations[layers.index(name)]
            if name in reached:
                assert [simulation.numbers[f"grad {name}[{i}]"] for i in range(a.shape[0])] == (
                    pytest.approx(list(a.grad.data), rel=1e-12)
                )
            else:
                assert f"grad {name}[0]" not in simulation.numbers
    assert simulation.numbers["loss"] == loss.item()
    simulation.buttons["Reset"].click()
    assert simulation.numbers == {"phase": 0}
    simulation.buttons["Run"].click()  # 8 phases at 20 a second
    assert simulation.numbers["phase"] == 8


# --- lessons ------------------------------------------------------------------------------------


def test_lessons_are_three_tabs():
    tabs = lessons()
    assert [type(t) for t in tabs.children] == [Initialisation, Regularisation, LearningRate]
    assert tabs.titles == ("Init", "Regularisation", "Learning rate")


def test_initialisation_spreads_are_those_of_the_layers_forward():
    simulation = Initialisation()
    set_controls(simulation, init="Xavier", activation="tanh")
    x = simulation.inputs
    for depth in range(1, 9):
        layer = nn.Linear(64, 64)
        nn.init.xavier_normal_(layer.weight, generator=depth)
        nn.init.zeros_(layer.bias)
        x = layer(x).tanh()
        assert simulation.numbers[f"layer {depth}"] == pytest.approx(x.std().item(), rel=1e-6)
    spreads = {}
    for init in ("zero", "small random", "He"):
        simulation.controls["init"].value = init
        spreads[init] = simulation.numbers["layer 8"]
    simulation.controls["activation"].value = "ReLU"
    assert spreads["zero"] == 0 and spreads["small random"] < 1e-3 < 0.3 < spreads["He"]
    assert 0.5 < simulation.numbers["layer 8"] < 2  # He keeps ReLU's signal


def test_regularisation_trains_the_net_with_an_l2_penalty_and_closes_the_gap():
    simulation = Regularisation()
    overfit = simulation.numbers["test loss"] - simulation.numbers["train loss"]
    simulation.controls["L2"].value = 0.01
    model = nn.Sequential(nn.Linear(2, 32, generator=0), nn.ReLU(), nn.Linear(32, 32, generator=1),
                          nn.ReLU(), nn.Linear(32, 1, generator=2))  # fmt: skip
    weights = [model[0].weight, model[2].weight, model[4].weight]
    optimizer = Adam(model.parameters(), lr=0.01)
    for _ in range(300):
        optimizer.zero_grad()
        logits = model(Tensor(simulation.x_train))[:, 0]
        loss = F.binary_cross_entropy_with_logits(logits, simulation.y_train)
        (loss + 0.01 * nn.l2_penalty(weights)).backward()
        optimizer.step()
    test_logits = model(Tensor(simulation.x_test))[:, 0]
    test_loss = F.binary_cross_entropy_with_logits(test_logits, simulation.y_test).item()
    assert simulation.numbers["test loss"] == pytest.approx(test_loss, rel=1e-9)
    assert overfit > 0.5 > simulation.numbers["test loss"] - simulation.numbers["train loss"]


@pytest.mark.parametrize("lr, verdict", [(0.001, "crawls"), (0.1, "converges"), (1.5, "diverges")])
def test_learning_rate_runs_sgd_and_names_what_the_loss_does(lr, verdict):
    simulation = LearningRate()
    simulation.controls["lr"].value = lr
    w, b = Tensor(np.array(0.0), requires_grad=True), Tensor(np.array(0.0), requires_grad=True)
    optimizer = SGD([w, b], lr=lr)
    for _ in range(40):
        optimizer.zero_grad()
        F.mse_loss(w * Tensor(simulation.x) + b, simulation.y).backward()
        optimizer.step()
    end = F.mse_loss(w * Tensor(simulation.x) + b, simulation.y).item()
    assert simulation.numbers["loss after 40"] == pytest.approx(end, rel=1e-12)
    assert verdict in simulation.status.value


def test_gallery_builds_a_simulation_when_it_is_chosen():
    page = gallery()
    menu, shown_box = page.children
    assert list(page.built) == ["learn-a-line"]
    menu.value = "gate-circuit"
    assert shown_box.children[0] is page.built["gate-circuit"]
    assert page.built["gate-circuit"].numbers["f"] == -12.0


def test_cli_lists_each_simulation_name_first(capsys):
    assert main(["simulations", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(SIMULATIONS)
    assert all(describe(name) in line for name, line in zip(SIMULATIONS, lines, strict=True))


@pytest.mark.parametrize(
    "argv, message",
    [(["simulations", "nope"], "no simulation 'nope'; choose from learn-a-line"),
     (["simulations", "--list", "neuron"], "--list takes no NAME"),
     (["simulations", "--port", "0"], "--port")],
)  # fmt: skip
def test_cli_refuses_an_unknown_simulation_and_bad_flags(capsys, argv, message):
    with pytest.raises(SystemExit) as exit:
        main(argv)
    assert exit.value.code == 2 and message in capsys.readouterr().err


def test_loss_landscape_starts_where_its_map_is_clicked():
    simulation = LossLandscape()
    left, bottom, width, height = simulation.axes_box  # the map, in fractions of the picture
    simulation.buttons["Step downhill"].click()
    simulation.picture.click = [left + 0.75 * width, 1 - (bottom + 0.6 * height)]
    (x_lo, x_hi), (y_lo, y_hi) = SURFACES["ravine"].bounds
    start = (x_lo + 0.75 * (x_hi - x_lo), y_lo + 0.6 * (y_hi - y_lo))  # (2.5, 0.3)
    assert (simulation.numbers["x"], simulation.numbers["y"]) == pytest.approx(start)
    assert simulation.numbers["steps"] == 0
    simulation.picture.click = [left / 2, 0.5]  # left of the map: nothing moves
    assert (simulation.numbers["x"], simulation.numbers["y"]) == pytest.approx(start)


@pytest.mark.parametrize("name", ["loss-landscape", "neuron", "adam-vs-adamw", "three-gates"])
def test_a_simulations_state_is_a_dict_of_its_controls_that_round_trips(name):
    simulation = SIMULATIONS[name]()
    moved = {key: control.value for key, control in simulation.controls.items()}
    for key, control in simulation.controls.items():  # every control somewhere else
        options = getattr(control, "options", None)
        moved[key] = options[-1] if options else (control.value + control.max) / 2
    simulation.state = moved
    numbers, state = simulation.numbers, simulation.state
    assert state == moved
    again = SIMULATIONS[name]()
    again.state = state
    assert again.numbers == numbers and again.state == state
    with pytest.raises(KeyError, match="no control"):
        again.state = {"nope": 1.0}
