"""The playground widget driven from Python: every control, every button, the state, what the
canvas is sent, and the Player's pacing. What a Session computes is tested against plain nn/optim
code in test_playground_session.py; here the widget's numbers are held to a Session's."""

import threading
import time

import numpy as np
import pytest

from viz.playground import FEATURES, Session, Settings, playground
from viz.playground import frames as frames_module
from viz.playground.controls import FEATURE_LABELS
from viz.playground.player import IN_FLIGHT, Player
from viz.playground.widget import Playground
from viz.serve import Server, page_name

# (setting, a value other than the default): each control, set as a person would
CONTROL_VALUES = [
    ("dataset", "spiral"),
    ("noise", 20),
    ("train_percent", 70),
    ("batch_size", 5),
    ("activation", "relu"),
    ("init", "he"),
    ("regularization", "l2"),
    ("regularization_rate", 0.01),
    ("lr", 0.1),
    ("optimizer", "adam"),
    ("schedule", "cosine"),
    ("seed", 3),
]


def wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def trained_session(settings: Settings, steps: int) -> Session:
    session = Session(settings)
    session.step(steps)
    return session


def test_every_settings_field_has_a_control_and_the_table_sets_every_control():
    p = playground()
    fields = set(Settings().to_dict()) - {"features", "hidden", "steps_per_frame"}
    assert {name for name, _ in CONTROL_VALUES} == fields
    assert set(p.controls.widgets) == fields | {"steps_per_frame"}
    assert set(p.controls.features) == set(FEATURES)


@pytest.mark.parametrize(("name", "value"), CONTROL_VALUES)
def test_each_control_starts_the_run_over_with_its_value(name, value):
    p = playground()
    p.step()
    assert p.session.steps == 5
    p.controls.widgets[name].value = value
    assert getattr(p.session.settings, name) == value
    assert p.session.steps == 0 and p.epoch_text.value == "Epoch 0"
    assert p.state[name] == value and f"{name}=" in p.state_text.value
    fresh = Session(p.session.settings)
    assert p.train_text.value == f"Train loss {fresh.train_loss:.4f}"


def test_steps_a_frame_changes_the_frame_not_the_run():
    p = playground()
    p.step()
    p.controls.widgets["steps_per_frame"].value = 3
    assert p.session.steps == 5  # not started over
    p.step()
    assert p.session.steps == 8
    assert p.train_text.value == (
        f"Train loss {trained_session(Settings(steps_per_frame=3), 8).train_loss:.4f}"
    )


def test_problem_type_narrows_the_datasets_and_feature_boxes_choose_the_inputs():
    p = playground()
    p.controls.problem.value = "regression"
    assert p.session.settings.dataset == "reg-plane" and p.session.settings.problem == "regression"
    assert p.controls.widgets["dataset"].options == ("reg-plane", "reg-gauss")
    p.controls.features["x1_sq"].value = True
    p.controls.features["x1"].value = False
    assert p.session.settings.features == ("x2", "x1_sq")
    assert p.canvas.labels == [FEATURE_LABELS["x2"], FEATURE_LABELS["x1_sq"]]
    p.controls.features["x2"].value = False
    p.controls.features["x1_sq"].value = False  # no feature left: refused, the run kept
    assert "features must be one or more" in p.message.value
    assert p.session.settings.features == ("x1_sq",)


def test_layer_and_neuron_buttons_edit_the_hidden_layers_within_their_limits():
    p = playground()  # hidden (4, 2)
    editor = p.controls.hidden
    editor.add_layer.click()
    assert p.session.settings.hidden == (4, 2, 2)
    _neuron_buttons(editor, layer=2)[0].click()
    assert p.session.settings.hidden == (4, 2, 3)
    _neuron_buttons(editor, layer=1)[1].click()
    assert p.session.settings.hidden == (4, 1, 3)
    assert _neuron_buttons(editor, layer=1)[1].disabled  # 1 is the fewest
    for _ in range(5):
        _neuron_buttons(editor, layer=0)[0].click()
    assert p.session.settings.hidden == (8, 1, 3)
    assert _neuron_buttons(editor, layer=0)[0].disabled  # 8 is the most
    assert p.canvas.layers == [2, 8, 1, 3, 1]
    for _ in range(3):
        editor.remove_layer.click()
    assert p.session.settings.hidden == () and editor.remove_layer.disabled
    assert p.canvas.layers == [2, 1] and p.canvas.hidden == b""
    for _ in range(6):
        editor.add_layer.click()
    assert p.session.settings.hidden == (2,) * 6 and editor.add_layer.disabled


def _neuron_buttons(editor, layer: int):
    """The (+, -) buttons of hidden layer `layer` in the editor."""
    row = editor.children[0].children[3 + layer]  # [- layer, title, + layer, layer 1, ...]
    _label, fewer, more = row.children
    return more, fewer


def test_step_trains_one_frame_and_reset_starts_over():
    s = Settings(dataset="xor", hidden=(3,), batch_size=25)  # 10 steps an epoch
    p = playground(s)
    start = p.train_text.value
    for _ in range(3):
        p.step_button.click()
    session = trained_session(s, 15)
    assert p.session.steps == 15 and p.epoch_text.value == "Epoch 1"
    assert p.train_text.value == f"Train loss {session.train_loss:.4f}"
    assert p.test_text.value == f"Test loss {session.test_loss:.4f}"
    np.testing.assert_array_equal(p.canvas.weights[0], session.weights()[0].tolist())
    assert [row[0] for row in p.canvas.losses] == [0, 5, 10, 15]
    p.reset_button.click()
    assert p.session.steps == 0 and p.epoch_text.value == "Epoch 0"
    assert p.train_text.value == start and [row[0] for row in p.canvas.losses] == [0]


def test_play_trains_in_the_background_and_pause_stops_it():
    s = Settings(dataset="circle", hidden=(4,), steps_per_frame=4)
    p = playground(s)
    p.play_button.click()
    assert p.player.playing and p.play_button.disabled and not p.pause_button.disabled
    wait_until(lambda: p.session.epoch >= 2)
    p.pause_button.click()
    assert not p.player.playing and not p.play_button.disabled
    steps = p.session.steps
    time.sleep(0.2)
    assert p.session.steps == steps and steps % 4 == 0  # whole frames only
    # the background run is the same run as stepping a Session in the foreground
    assert p.train_text.value == f"Train loss {trained_session(s, steps).train_loss:.4f}"
    assert p.epoch_text.value == f"Epoch {p.session.epoch}"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow that makes the inf
def test_divergence_stops_play_with_fits_message():
    p = playground(Settings(dataset="reg-plane", lr=10.0))
    p.play()
    wait_until(lambda: not p.player.playing)
    assert p.session.diverged is not None
    assert "Training stopped" in p.diagnostics.value
    assert "learning rate too high" in p.diagnostics.value
    assert p.play_button.disabled and p.pause_button.disabled
    p.reset()
    assert not p.play_button.disabled and "Training stopped" not in p.diagnostics.value


def test_learning_rate_shown_follows_the_schedule():
    s = Settings(dataset="xor", hidden=(3,), batch_size=25, steps_per_frame=10,
                 schedule="exponential", lr=0.1)  # fmt: skip
    p = playground(s)
    assert p.lr_text.value == "LR 0.1"
    p.step()  # one epoch
    assert p.lr_text.value == f"LR {0.1 * 0.98:.4g}"


def test_diagnostics_list_each_parameter_and_count_dead_relus():
    p = playground(Settings(activation="relu", hidden=(8, 8), init="he", lr=3.0, seed=1))
    p.step()
    for name in ("0.weight", "2.bias", "4.weight"):
        assert f"<td>{name}</td><td>{p.session.grad_norms()[name]:.3g}</td>" in p.diagnostics.value
    dead = p.session.dead_relus()
    assert dead > 0  # a learning rate of 3 kills some
    assert f"{dead} dead ReLU" in p.diagnostics.value


def test_clicking_a_neuron_shows_its_weights_gradients_and_the_chain_rule():
    p = playground(Settings(hidden=(3,), activation="tanh"))
    p.step()
    p._on_canvas_message(p.canvas, {"select": [1, 2]}, [])
    layer = p.session.model[0]
    assert p.canvas.selected == [1, 2]
    report = p.inspector.value
    assert report.startswith("<b>layer 1, neuron 3</b>")
    for w, g in zip(layer.weight.data[2], layer.weight.grad.data[2], strict=True):
        assert f"<td>{w:+.4f}</td><td>{g:+.4g}</td>" in report
    assert "h = tanh(z)" in report and "w.grad = " in report
    # the chain rule's w.grad is d tanh(z) / dw = (1 - tanh(z)^2) * a on the first point
    a = p.session.x_train.data[0, 0]
    z = float(p.session.x_train.data[0] @ layer.weight.data[2] + layer.bias.data[2])
    assert f"w.grad = {(1 - np.tanh(z) ** 2) * a:.4g}" in report
    p.select(0, 1)
    assert "<b>input x2</b>" in p.inspector.value
    p.select(2, 0)
    assert p.inspector.value.startswith("<b>output</b>")


def test_show_graph_draws_the_loss_graph_and_leaves_gradients_alone():
    p = playground(Settings(hidden=(3,)))
    p.step()
    grad = p.session.model[0].weight.grad.data.copy()
    p.graph_button.click()
    assert "<svg" in p.graph.value and "Linear" in p.graph.value
    np.testing.assert_array_equal(p.session.model[0].weight.grad.data, grad)


def test_export_shows_both_scripts_of_this_run():
    p = playground(Settings(dataset="moons", hidden=(2,)))
    p.step()
    p.export_button.click()
    code = p.code.value
    assert "import tracegrad as torch" in code and "from training import fit" in code
    assert "STEPS = 5" in code and "dataset=moons" in code


def test_state_round_trips_through_the_dict_the_string_box_and_the_url_hash():
    s = Settings(dataset="gauss", hidden=(5, 3, 1), features=("x1", "sin_x2"), lr=0.05, seed=9,
                 optimizer="rmsprop", regularization="l1", regularization_rate=0.003)  # fmt: skip
    p = playground(s.to_dict())
    assert p.state == s.to_dict() and Playground(p.state).state == p.state
    assert p.state_text.value == s.to_string() == p.canvas.state
    assert p.controls.widgets["lr"].value == 0.05  # not one of the listed rates: added
    other = Settings(dataset="xor", hidden=(2,))
    p.state_text.value = other.to_string()
    assert p.session.settings == other and p.controls.settings() == other
    p._on_canvas_message(p.canvas, {"hash": s.to_string()}, [])
    assert p.session.settings == s
    p.state_text.value = "lr=-1"
    assert "lr must be a finite number &gt; 0" in p.message.value and p.session.settings == s
    with pytest.raises(TypeError, match="state must be a Settings, a dict or a string"):
        playground(3)


def test_view_switches_reach_the_canvas():
    p = playground()
    p.show_test.value = True
    p.discretize.value = True
    assert p.canvas.show_test and p.canvas.discretize
    assert len(p.canvas.test_points) == len(p.session.y_test)


def test_the_canvas_gets_every_map_as_bytes():
    s = Settings(hidden=(3, 2), features=("x1", "x2", "x1_x2"))
    p = playground(s)
    cells = frames_module.RESOLUTION**2
    assert len(p.canvas.inputs) == 3 * cells and len(p.canvas.hidden) == 5 * cells
    assert p.canvas.output == frames_module.to_bytes(p.session.boundary(frames_module.RESOLUTION))
    frame = p.canvas.frame_id
    p.step()
    assert p.canvas.frame_id == frame + 1


def test_map_bytes_run_from_minus_one_to_one_and_maps_are_scaled_by_their_peak():
    assert list(frames_module.to_bytes(np.array([[-2.0, -1.0], [0.0, 1.0]]))) == [0, 0, 128, 255]
    maps = frames_module.normalised(np.array([[[0.0, 2.0]], [[0.0, 0.0]], [[-4.0, 1.0]]]))
    np.testing.assert_array_equal(maps, [[[0, 1]], [[0, 0]], [[-1, 0.25]]])
    assert frames_module.thinned(list(range(10)), 4) == [0, 3, 6, 9]


def test_pause_takes_effect_within_one_frame():
    started = threading.Event()

    def slow_frame() -> bool:
        started.set()
        time.sleep(0.1)
        return True

    player = Player(slow_frame, fps=1000)
    player.play()
    started.wait(5)
    begin = time.monotonic()
    player.pause()
    assert time.monotonic() - begin < 0.15 and not player.playing
    frames = player.frames
    time.sleep(0.15)
    assert player.frames == frames


def test_frames_wait_for_the_browser_once_it_has_painted_one():
    player = Player(lambda: True, fps=1000)
    player.painted()  # a view is there; it paints nothing more
    player.play()
    time.sleep(0.3)
    assert player.frames == IN_FLIGHT  # then it waits
    player.painted(behind=0)
    wait_until(lambda: player.frames == 2 * IN_FLIGHT, timeout=5)
    player.pause()
    assert not player.playing


def test_playing_stops_when_the_view_stops_painting():
    p = Playground(fps=1000)
    p.player.stall_timeout = 0.2
    p.player.painted()  # a view drew once, then its tab was closed
    p.play()
    wait_until(lambda: not p.player.playing, timeout=5)
    assert p.player.stalled and p.player.frames == IN_FLIGHT
    assert p.message.value == "Paused: the page drew nothing for 0.2 s (a closed tab?)"
    assert not p.play_button.disabled and p.pause_button.disabled
    p.player.painted()
    p.play()
    assert p.message.value == "" and p.player.playing
    p.pause()


def test_frames_are_capped_at_fps():
    player = Player(lambda: True, fps=20)
    player.play()
    time.sleep(0.5)
    player.pause()
    assert 5 <= player.frames <= 11


def test_a_player_stops_when_its_frame_says_so():
    stopped = threading.Event()
    player = Player(lambda: False, on_stop=stopped.set)
    player.play()
    assert stopped.wait(5) and player.frames == 1
    with pytest.raises(ValueError, match="fps must be > 0, got 0"):
        Player(lambda: True, fps=0)


def test_serve_targets_are_module_function_strings_each_a_page():
    assert page_name("viz.playground:playground") == "playground"
    server = Server(["viz.playground:playground", "ipywidgets:IntSlider"], port=1234)
    assert server.urls == {
        "playground": "http://127.0.0.1:1234/voila/render/playground.ipynb",
        "IntSlider": "http://127.0.0.1:1234/voila/render/IntSlider.ipynb",
    }
    for bad in ("viz.playground", "viz.playground:", "viz/playground:playground", ":f"):
        with pytest.raises(ValueError, match="a target is 'module:function'"):
            page_name(bad)
    with pytest.raises(ValueError, match="two targets make the page playground"):
        Server(["a:playground", "b:playground"])
    with pytest.raises(TypeError, match="targets must be a list"):
        Server("viz.playground:playground")
