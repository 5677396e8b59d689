"""Gates and circuits of scalar Values: forward values, backward gradients, local derivatives.

Circuit            named inputs and gates (add, multiply, max) over them, in order
evaluate           a circuit's forward values, its gradients and each gate's local derivatives
gate_circuit       14: f = (x + y) * z, live
richer_circuit     15: f = (x + y) * z + max(x, w), forward then backward gate by gate
computation_graph  6: L = (a * b + c) * d, values left to right, gradients right to left
ThreeGates         16: add, multiply and max side by side, each with upstream gradient 1
"""

import operator
from collections.abc import Mapping
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from autograd import Value

from .widget import Simulation, format_number, slider

GATES = {"+": operator.add, "*": operator.mul, "max": Value.maximum}  # op -> Value's op


@dataclass(frozen=True)
class Gate:
    """`out = a op b`, op one of GATES."""

    out: str
    op: str
    a: str
    b: str

    @property
    def inputs(self) -> tuple[str, str]:
        """The gate's two input names, (a, b)."""
        return (self.a, self.b)


@dataclass(frozen=True)
class Circuit:
    """Named inputs with their default values, and the gates computing from them in order; the
    last gate's output is the circuit's output."""

    defaults: Mapping[str, float]
    gates: tuple[Gate, ...]

    @property
    def output(self) -> str:
        """The name of the circuit's output: the last gate's."""
        return self.gates[-1].out

    def columns(self) -> list[list[str]]:
        """Node names by depth: the inputs first, then each gate one column right of its deepest
        input."""
        depth = dict.fromkeys(self.defaults, 0)
        for gate in self.gates:
            depth[gate.out] = 1 + max(depth[gate.a], depth[gate.b])
        return [[n for n in depth if depth[n] == d] for d in range(max(depth.values()) + 1)]


@dataclass(frozen=True)
class Evaluation:
    """A circuit run forward and backward: `values` and `grads` (d output / d node) by node name;
    `local` (gate output, input) -> d output of that gate alone / d input."""

    values: dict[str, float]
    grads: dict[str, float]
    local: dict[tuple[str, str], float]


def evaluate(circuit: Circuit, inputs: Mapping[str, float]) -> Evaluation:
    """Build the circuit from Values, call backward() on its output, and ask each gate alone for
    its local derivatives (backward() through that one gate, upstream gradient 1)."""
    nodes = {name: Value(inputs[name], label=name) for name in circuit.defaults}
    for gate in circuit.gates:
        nodes[gate.out] = GATES[gate.op](nodes[gate.a], nodes[gate.b])
        nodes[gate.out].label = gate.out
    nodes[circuit.output].backward()
    local = {}
    for gate in circuit.gates:
        a, b = Value(nodes[gate.a].data), Value(nodes[gate.b].data)
        GATES[gate.op](a, b).backward()
        local[gate.out, gate.a], local[gate.out, gate.b] = a.grad, b.grad
    return Evaluation(
        values={name: node.data for name, node in nodes.items()},
        grads={name: node.grad for name, node in nodes.items()},
        local=local,
    )


GATE_CIRCUIT = Circuit(
    {"x": -2.0, "y": 5.0, "z": -4.0}, (Gate("q", "+", "x", "y"), Gate("f", "*", "q", "z"))
)
RICHER_CIRCUIT = Circuit(
    {"w": 1.0, "x": -2.0, "y": 5.0, "z": -4.0},  # w first: the picture's edges then never cross
    (Gate("q", "+", "x", "y"), Gate("m", "*", "q", "z"), Gate("r", "max", "w", "x"),
     Gate("f", "+", "m", "r")),
)  # fmt: skip
MICROGRAD_GRAPH = Circuit(  # the graph of micrograd's first lecture
    {"a": 2.0, "b": -3.0, "c": 10.0, "d": -2.0},
    (Gate("e", "*", "a", "b"), Gate("g", "+", "e", "c"), Gate("L", "*", "g", "d")),
)


class CircuitSimulation(Simulation):
    """A circuit with a slider per input. Live, every value and gradient shows at once; stepwise,
    "Forward" fills the values a column at a time, left to right, then "Backward" sends the
    gradient back one gate at a time, right to left (moving a slider starts over).

    `numbers`: each node's value and, once reached, its gradient `grad n` (d output / d n); each
    gate's local derivatives `d out/d in` and, once the backward pass reached that gate, the
    gradient it sends each input, `out->in` = local derivative * the gate's gradient (the chain
    rule's one multiplication).
    """

    figsize = (6.4, 3.4)

    def __init__(self, title: str, circuit: Circuit, stepwise: bool) -> None:
        self.circuit = circuit
        self.stepwise = stepwise
        self.columns = circuit.columns()
        self.forward_shown = 0 if stepwise else len(self.columns)  # columns whose values show
        self.backward_shown = 0 if stepwise else len(circuit.gates)  # gates done, from the end
        controls = {name: slider(name, x, -10.0, 10.0, 0.5) for name, x in circuit.defaults.items()}
        super().__init__(title, controls, ("Forward", "Backward") if stepwise else ())

    def moved(self, name: str) -> None:
        if self.stepwise:
            self.forward_shown = self.backward_shown = 0

    def press(self, label: str) -> None:
        if label == "Forward":
            self.forward_shown = min(self.forward_shown + 1, len(self.columns))
        elif self.forward_shown == len(self.columns):
            self.backward_shown = min(self.backward_shown + 1, len(self.circuit.gates))

    def shown_values(self) -> list[str]:
        """The nodes whose values the forward pass has reached."""
        return [name for column in self.columns[: self.forward_shown] for name in column]

    def done_gates(self) -> list[Gate]:
        """The gates the backward pass has gone through, last gate first."""
        return list(reversed(self.circuit.gates))[: self.backward_shown]

    def shown_grads(self) -> list[str]:
        """The nodes whose gradient is complete: the output once backward starts, and every
        node all of whose consuming gates are done."""
        if self.backward_shown == 0:
            return []
        done = {gate.out for gate in self.done_gates()}
        consumers: dict[str, set[str]] = {}
        for gate in self.circuit.gates:
            for name in gate.inputs:
                consumers.setdefault(name, set()).add(gate.out)
        return [self.circuit.output] + [n for n, users in consumers.items() if users <= done]

    def compute(self) -> dict[str, float]:
        self.evaluation = evaluate(self.circuit, {n: self.value(n) for n in self.circuit.defaults})
        values, grads, local = self.evaluation.values, self.evaluation.grads, self.evaluation.local
        numbers = {name: values[name] for name in self.shown_values()}
        numbers |= {f"grad {name}": grads[name] for name in self.shown_grads()}
        if self.forward_shown == len(self.columns):
            numbers |= {f"d{out}/d{x}": slope for (out, x), slope in local.items()}
        for gate in self.done_gates():
            for x in gate.inputs:
                numbers[f"{gate.out}->{x}"] = local[gate.out, x] * grads[gate.out]
        self.status.value = self.stage()
        return numbers

    def stage(self) -> str:
        """Where the passes are, in words."""
        if not self.stepwise:
            return "forward values (green) and backward gradients (red), live"
        if self.forward_shown < len(self.columns):
            return f"forward pass: {self.forward_shown} of {len(self.columns)} columns"
        if self.backward_shown == 0:
            return "forward pass done: press Backward"
        gate = self.done_gates()[-1]
        return f"backward pass: through {gate.out} = {gate.a} {gate.op} {gate.b}"

    def draw(self, figure: Figure) -> None:
        draw_circuit(figure.add_subplot(), self.circuit, self.numbers)


def draw_circuit(ax: Axes, circuit: Circuit, numbers: Mapping[str, float]) -> None:
    """Nodes in columns with their value (green) and gradient (red) when `numbers` has them;
    each edge labelled with its local derivative and, once sent, the gradient along it."""
    where = layout(circuit)
    for gate in circuit.gates:
        x1, y1 = where[gate.out]
        for name in gate.inputs:
            x0, y0 = where[name]
            ax.annotate("", (x1 - 0.15, y1), (x0 + 0.15, y0),
                        arrowprops=dict(arrowstyle="->", color="0.6"))  # fmt: skip
            local, sent = f"d{gate.out}/d{name}", f"{gate.out}->{name}"
            text = [f"{local} = {format_number(numbers[local])}"] if local in numbers else []
            if sent in numbers:
                text.append(f"sends {format_number(numbers[sent])}")
            ax.text(x0 + 0.55 * (x1 - x0), y0 + 0.55 * (y1 - y0) + 0.05, "\n".join(text),
                    fontsize=7, ha="center", va="bottom", color="tab:purple")  # fmt: skip
    ops = {gate.out: gate.op for gate in circuit.gates}
    for name, (x, y) in where.items():
        label = f"{name} = {ops[name]}" if name in ops else name
        ax.text(x, y, label, ha="center", va="center", fontsize=9,
                bbox=dict(boxstyle="round", fc="white", ec="k"))  # fmt: skip
        if name in numbers:
            ax.text(x, y + 0.18, format_number(numbers[name]), ha="center", va="bottom",
                    color="tab:green", fontsize=9)  # fmt: skip
        if f"grad {name}" in numbers:
            ax.text(x, y - 0.18, f"grad {format_number(numbers[f'grad {name}'])}", ha="center",
                    va="top", color="tab:red", fontsize=9)  # fmt: skip
    heights = [y for _, y in where.values()]
    ax.set(xlim=(-0.4, max(x for x, _ in where.values()) + 0.4),
           ylim=(min(heights) - 0.5, max(heights) + 0.5))  # fmt: skip
    ax.axis("off")


def layout(circuit: Circuit) -> dict[str, tuple[float, float]]:
    """Where each node sits: column by depth; the inputs one under another in their order, each
    gate level with the middle of its inputs."""
    where = {name: (0.0, -float(i)) for i, name in enumerate(circuit.defaults)}
    for column, names in enumerate(circuit.columns()[1:], start=1):
        for gate in (g for g in circuit.gates if g.out in names):
            where[gate.out] = (float(column), (where[gate.a][1] + where[gate.b][1]) / 2)
    return where


def gate_circuit() -> CircuitSimulation:
    """One gate circuit: f = (x + y) * z, values and gradients live as x, y, z move."""
    return CircuitSimulation("f = (x + y) · z", GATE_CIRCUIT, stepwise=False)


def richer_circuit() -> CircuitSimulation:
    """The richer circuit f = (x + y) * z + max(x, w): forward, then backward gate by gate."""
    return CircuitSimulation("f = (x + y) · z + max(x, w)", RICHER_CIRCUIT, stepwise=True)


def computation_graph() -> CircuitSimulation:
    """A computation graph: values fill left to right, gradients right to left, chain rule."""
    return CircuitSimulation("L = (a · b + c) · d", MICROGRAD_GRAPH, stepwise=True)


class ThreeGates(Simulation):
    """Three gates: add, multiply and max on the same inputs, each with upstream gradient 1.

    Add copies the gradient to both inputs, multiply swaps the inputs, max sends it all to the
    larger (at a tie, half to each: Value.maximum's rule, as torch.maximum's). `numbers`: each
    gate's output and its two input gradients, from backward()."""

    figsize = (6.4, 2.4)

    def __init__(self) -> None:
        self.circuits = {op: Circuit({"x": 3.0, "y": -1.0}, (Gate("out", op, "x", "y"),))
                         for op in GATES}  # fmt: skip
        controls = {"x": slider("x", 3.0, -5.0, 5.0, 0.5), "y": slider("y", -1.0, -5.0, 5.0, 0.5)}
        super().__init__("Three gates, upstream gradient 1", controls)

    def compute(self) -> dict[str, float]:
        numbers = {}
        for op, circuit in self.circuits.items():
            run = evaluate(circuit, {"x": self.value("x"), "y": self.value("y")})
            numbers |= {f"x {op} y": run.values["out"], f"{op}: grad x": run.grads["x"],
                        f"{op}: grad y": run.grads["y"]}  # fmt: skip
        return numbers

    def draw(self, figure: Figure) -> None:
        for i, op in enumerate(GATES):
            ax = figure.add_subplot(1, 3, i + 1)
            shown = {"x": self.value("x"), "y": self.value("y"), "out": self.numbers[f"x {op} y"],
                     "grad out": 1.0, "grad x": self.numbers[f"{op}: grad x"],
                     "grad y": self.numbers[f"{op}: grad y"]}  # fmt: skip
            draw_circuit(ax, self.circuits[op], shown)
            ax.set_title({"+": "add: copies", "*": "multiply: swaps", "max": "max: routes"}[op])
