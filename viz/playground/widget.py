"""playground(): the playground as one ipywidget. Choose a dataset and a network, press Play,
watch the output's decision boundary, every neuron and the loss change as it learns.

The widget only shows; a Session (session.py) computes. Training runs in a Player thread
(player.py) a frame at a time, a frame being settings.steps_per_frame steps and a redraw, under
one lock shared with the buttons, so the kernel and the page stay free. Changing any setting
starts the run again from the seed (so "export as code" reproduces it), except steps_per_frame,
which only changes how often the picture is redrawn. The state is `Settings`: `playground.state`
is its dict, the "state" box its string, and on a page served by viz.serve the URL hash holds it
(open a page with a hash to start from that state).
"""

import dataclasses
import html
import threading
from typing import Any

import ipywidgets as widgets

from . import frames
from .canvas import NetworkCanvas
from .controls import FEATURE_LABELS, Controls, make_button
from .inside import PRE, diagnostics, graph_svg, neuron_report
from .player import Player
from .session import Session
from .settings import Settings

FPS = 30  # frames a second at most; issue 18 measured that a browser paints 30-60


class Playground(widgets.VBox):
    """The playground widget: the controls, Play/Pause/Step/Reset, the canvas, the inside."""

    def __init__(self, state: str | dict | Settings | None = None, fps: float = FPS) -> None:
        super().__init__()
        self.lock = threading.Lock()  # held while the session trains or is read
        self.session = Session(_settings(state))
        self.player = Player(self._frame, fps, on_stop=self._stopped)
        self.canvas = NetworkCanvas()
        self.canvas.on_msg(self._on_canvas_message)
        self.controls = Controls(self._settings_changed)
        self.play_button = make_button("Play", "train, a frame at a time", self.play, "play")
        self.pause_button = make_button("Pause", "stop training", self.pause, "pause")
        self.step_button = make_button("Step", "train one frame's steps", self.step, "step-forward")
        self.reset_button = make_button("Reset", "start again from the seed", self.reset, "undo")
        self.epoch_text, self.train_text, self.test_text, self.lr_text = (
            widgets.Label(layout=widgets.Layout(width="150px")) for _ in range(4))  # fmt: skip
        self.message = widgets.HTML()
        self.show_test = widgets.Checkbox(description="show test data", indent=False)
        self.discretize = widgets.Checkbox(description="discretize output", indent=False)
        widgets.link((self.show_test, "value"), (self.canvas, "show_test"))
        widgets.link((self.discretize, "value"), (self.canvas, "discretize"))
        self.diagnostics = widgets.HTML()
        self.inspector = widgets.HTML("Click a neuron to see its incoming weights.")
        self.graph = widgets.HTML()
        self.code = widgets.HTML()
        self.graph_button = make_button("Show graph", "the current step's graph, a box per "
                                        "layer", self.show_graph, "project-diagram")  # fmt: skip
        self.export_button = make_button("Export as code", "scripts that reproduce this run",
                                         self.export, "code")  # fmt: skip
        self.state_text = widgets.Text(description="state", continuous_update=False,
                                       layout=widgets.Layout(width="960px"))  # fmt: skip
        self.state_text.observe(self._state_typed, names="value")
        self.children = self._layout()
        self._show_settings()
        self._start_over()

    @property
    def state(self) -> dict[str, Any]:
        """The settings as a dict (Settings.to_dict); assign a dict or a state string."""
        return self.session.settings.to_dict()

    @state.setter
    def state(self, value: str | dict | Settings) -> None:
        settings = _settings(value)
        self._use(settings)
        self._show_settings()

    def play(self) -> None:
        """Train in the background, a frame at a time, until Pause (or divergence, or no view
        drawing frames any more)."""
        self.message.value = ""
        if self.session.diverged is None:
            self.player.play()
        self._show_buttons()

    def pause(self) -> None:
        """Stop training after the current frame."""
        self.player.pause()
        self._show_buttons()

    def step(self) -> None:
        """Train one frame's steps (settings.steps_per_frame) and redraw."""
        self._frame()

    def reset(self) -> None:
        """Pause and start over: the same data and initial weights, epoch 0."""
        self.pause()
        with self.lock:
            self.session.reset()
        self._start_over()

    def show_graph(self) -> None:
        """Draw the computation graph of the current loss, a box per layer, below."""
        with self.lock:
            self.graph.value = graph_svg(self.session)

    def export(self) -> None:
        """Show the two scripts that reproduce this run: tracegrad's and its torch twin."""
        with self.lock:
            scripts = self.session.export_code(), self.session.export_code(torch=True)
        self.code.value = "".join(
            f"<b>{title}</b>{PRE.format(html.escape(script))}"
            for title, script in zip(("tracegrad", "import tracegrad as torch"), scripts,
                                     strict=True)
        )  # fmt: skip

    def select(self, column: int, unit: int) -> None:
        """Show neuron `unit` of network column `column` (0 = the features) in the inspector."""
        self.canvas.selected = [column, unit]
        with self.lock:
            self.inspector.value = neuron_report(self.session, column, unit)

    def _frame(self) -> bool:
        with self.lock:
            self.session.step()
            self._draw()
            return self.session.diverged is None

    def _stopped(self) -> None:
        if self.player.stalled:
            seconds = self.player.stall_timeout
            self.message.value = f"Paused: the page drew nothing for {seconds:g} s (a closed tab?)"
        self._show_buttons()

    def _draw(self) -> None:
        """Send what the session computed now; the caller holds the lock."""
        s = self.session
        train, test = s.train_loss, s.test_loss
        self._losses.append([s.steps, train, test])
        self.epoch_text.value = f"Epoch {s.epoch}"
        self.train_text.value = f"Train loss {train:.4f}"
        self.test_text.value = f"Test loss {test:.4f}"
        self.lr_text.value = f"LR {s.lr:.4g}"
        self.diagnostics.value = diagnostics(s)
        if len(self.canvas.selected) == 2:
            self.inspector.value = neuron_report(s, *self.canvas.selected)
        with self.canvas.hold_sync():
            self.canvas.hidden = frames.hidden_maps(s)
            self.canvas.output = frames.output_map(s)
            self.canvas.weights = [w.tolist() for w in s.weights()]
            self.canvas.losses = frames.thinned(self._losses)
            self.canvas.frame_id += 1

    def _start_over(self) -> None:
        """Draw a fresh session: its data, its input maps, epoch 0."""
        s = self.session
        self._losses: list[list[float]] = []
        self.graph.value = self.code.value = ""
        with self.lock, self.canvas.hold_sync():
            self.canvas.layers = [len(s.settings.features), *s.settings.hidden, 1]
            self.canvas.labels = [FEATURE_LABELS[name] for name in s.settings.features]
            self.canvas.resolution = frames.RESOLUTION
            self.canvas.inputs = frames.input_maps(s)
            self.canvas.train_points = frames.points(s.train_points, s.y_train.data[:, 0])
            self.canvas.test_points = frames.points(s.test_points, s.y_test.data[:, 0])
            self.canvas.selected = []
            self.canvas.state = self.state_text.value = s.settings.to_string()
            self.inspector.value = "Click a neuron to see its incoming weights."
            self._draw()
        self._show_buttons()

    def _use(self, settings: Settings) -> None:
        """Run with `settings`: from the start, unless only steps_per_frame changed."""
        old = self.session.settings
        if dataclasses.replace(old, steps_per_frame=settings.steps_per_frame) == settings:
            with self.lock:
                self.session.settings = settings
            self.canvas.state = self.state_text.value = settings.to_string()
            return
        playing = self.player.playing
        self.pause()
        with self.lock:
            self.session = Session(settings)
        self._start_over()
        if playing:
            self.play()

    def _settings_changed(self) -> None:
        try:
            settings = self.controls.settings()
        except (ValueError, TypeError) as error:
            self.message.value = f"<span style='color:#b00'>{html.escape(str(error))}</span>"
            return
        self.message.value = ""
        self._use(settings)

    def _state_typed(self, change: dict) -> None:
        if change["new"] != self.session.settings.to_string():
            self._apply_string(change["new"])

    def _apply_string(self, text: str) -> None:
        try:
            self.state = text
        except (ValueError, TypeError) as error:
            self.message.value = f"<span style='color:#b00'>{html.escape(str(error))}</span>"
        else:
            self.message.value = ""

    def _on_canvas_message(self, _widget: Any, content: dict, _buffers: list) -> None:
        if "painted" in content:
            self.player.painted(behind=self.canvas.frame_id - content["painted"])
        elif "select" in content:
            self.select(*content["select"])
        elif "hash" in content:
            self._apply_string(content["hash"])

    def _show_settings(self) -> None:
        self.controls.show(self.session.settings)

    def _show_buttons(self) -> None:
        playing = self.player.playing
        self.play_button.disabled = playing or self.session.diverged is not None
        self.pause_button.disabled = not playing

    def _layout(self) -> list[widgets.Widget]:
        c = self.controls
        w = c.widgets
        row = widgets.HBox
        features = widgets.VBox([widgets.Label("features"),
                                 widgets.GridBox(list(c.features.values()), layout=widgets.Layout(
                                     grid_template_columns="repeat(2, 90px)"))])  # fmt: skip
        settings = row([
            widgets.VBox([c.problem, w["dataset"], w["noise"], w["train_percent"],
                          w["batch_size"], self.show_test, self.discretize]),
            features,
            widgets.VBox([w["activation"], w["init"], w["regularization"],
                          w["regularization_rate"], w["seed"]]),
            widgets.VBox([w["lr"], w["optimizer"], w["schedule"], w["steps_per_frame"]]),
        ])  # fmt: skip
        buttons = [self.play_button, self.pause_button, self.step_button, self.reset_button]
        texts = [self.epoch_text, self.train_text, self.test_text, self.lr_text]
        return [
            row([*buttons, *texts]),
            self.message,
            settings,
            c.hidden,
            self.canvas,
            row([self.diagnostics, self.inspector]),
            row([self.graph_button, self.export_button]),
            self.graph,
            self.code,
            self.state_text,
        ]


def _settings(state: str | dict | Settings | None) -> Settings:
    if state is None:
        return Settings()
    if isinstance(state, Settings):
        return state
    if isinstance(state, str):
        return Settings.from_string(state)
    if isinstance(state, dict):
        return Settings.from_dict(state)
    raise TypeError(f"playground: state must be a Settings, a dict or a string, got {state!r}")
