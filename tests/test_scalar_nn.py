"""nn on Values: Module's parameter walk, Neuron/Layer/MLP, the loss helpers, SGD."""

import numpy as np
import pytest

from autograd import Value
from nn import MLP, Layer, Module, Neuron, l2_penalty, max_margin_loss
from optim import SGD
from tracegrad.cli.runs import TrainConfig, train


def test_mlp_parameter_count_and_dotted_names():
    model = MLP(2, [16, 16, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert model.num_parameters() == len(names) == (2 * 16 + 16) + (16 * 16 + 16) + (16 + 1)
    assert names[0] == "layers.0.neurons.0.w.0"
    assert names[-1] == "layers.2.neurons.0.b"
    assert all(p.label == name for name, p in model.named_parameters())


def test_module_walks_attributes_lists_tuples_and_dicts_and_lists_shared_parameters_once():
    shared = Value(1.0)

    class Custom(Module):
        def __init__(self):
            self.a = shared
            self.pair = (Value(2.0), [Value(3.0)])
            self.table = {"x": Value(4.0), "again": shared}
            self.child = Neuron(2, seed=0)
            self.note = "not a parameter"

    names = [name for name, _ in Custom().named_parameters()]
    assert names == ["a", "pair.0", "pair.1.0", "table.x", "child.w.0", "child.w.1", "child.b"]


def test_same_seed_same_weights_and_generator_is_consumed():
    weights = [p.data for p in MLP(3, [4, 2], seed=7).parameters()]
    assert weights == [p.data for p in MLP(3, [4, 2], seed=7).parameters()]
    assert weights != [p.data for p in MLP(3, [4, 2], seed=8).parameters()]
    rng = np.random.default_rng(0)
    assert [p.data for p in Neuron(3, seed=rng).w] != [p.data for p in Neuron(3, seed=rng).w]


def test_neuron_computes_relu_of_weighted_sum():
    neuron = Neuron(2, seed=0)
    neuron.b.data = 0.25
    w0, w1 = (w.data for w in neuron.w)
    expected = w0 * 1.5 + w1 * -2.0 + 0.25
    assert neuron([1.5, -2.0]).data == pytest.approx(max(expected, 0.0))
    assert Neuron(2, nonlin=False, seed=0)([1.5, -2.0]).data == pytest.approx(expected - 0.25)


def test_layer_and_mlp_output_shapes_and_last_layer_is_linear():
    assert len(Layer(3, 5, seed=0)([1.0, 2.0, 3.0])) == 5
    assert len(MLP(3, [4, 2], seed=0)([1.0, 2.0, 3.0])) == 2
    assert isinstance(MLP(3, [4, 1], seed=0)([1.0, 2.0, 3.0]), Value)
    assert [n.nonlin for layer in MLP(2, [3, 3, 1], seed=0).layers for n in layer.neurons[:1]] == [
        True,
        True,
        False,
    ]


def test_wrong_input_length_names_both_sizes():
    with pytest.raises(ValueError, match="expected 2 inputs, got 3"):
        MLP(2, [4, 1], seed=0)([1.0, 2.0, 3.0])


def test_zero_grad_resets_every_parameter():
    model = MLP(2, [4, 1], seed=0)
    model([1.0, -1.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_max_margin_loss_and_l2_penalty_values():
    scores = [Value(2.0), Value(0.5), Value(-0.5)]
    loss = max_margin_loss(scores, [1.0, 1.0, 1.0])  # margins 0, 0.5, 1.5
    assert loss.data == pytest.approx(2.0 / 3.0)
    loss.backward()
    assert [s.grad for s in scores] == pytest.approx([0.0, -1 / 3, -1 / 3])
    assert l2_penalty([Value(3.0), Value(-4.0)]).data == 25.0
    with pytest.raises(ValueError, match="2 scores but 1 labels"):
        max_margin_loss(scores[:2], [1.0])


def test_sgd_steps_against_the_gradient_and_validates():
    p = Value(1.0)
    (p * p).backward()  # grad 2
    optimizer = SGD([p], lr=0.1)
    optimizer.step()
    assert p.data == pytest.approx(0.8)
    optimizer.zero_grad()
    assert p.grad == 0.0
    with pytest.raises(ValueError, match=r"lr must be >= 0, got -1"):
        SGD([p], lr=-1.0)
    with pytest.raises(ValueError, match="empty list of parameters"):
        SGD([], lr=0.1)


def test_demo_reaches_full_train_accuracy_on_moons_within_100_steps(tmp_path):
    result = train(TrainConfig(out=tmp_path), progress=False)
    assert result.history.series("epoch").tolist() == list(range(1, 101))
    accuracy = result.history.series("accuracy")
    assert accuracy[0] < 1.0
    assert result.accuracy == 1.0
    assert result.loss < result.history.series("loss")[0] / 10
    assert {p.name for p in result.files} == {
        "history.csv",
        "loss_curve.png",
        "model.npz",
        "decision_boundary.png",
        "graph.svg",
    }
    assert all(p.stat().st_size > 0 for p in result.files)
