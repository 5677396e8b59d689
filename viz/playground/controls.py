"""The playground's controls: one ipywidget per setting, read into Settings and set from them.

`Controls` holds a widget per Settings field (`controls.widgets["lr"]`), the problem type (which
narrows the dataset list), a checkbox per input feature and the hidden-layer editor (+/- layer,
+/- neuron per layer). `settings()` reads them; `show(settings)` sets them without firing the
playground's handler once per widget.
"""

from collections.abc import Callable

import ipywidgets as widgets

from .data import CLASSIFICATION, FEATURES, REGRESSION
from .settings import (
    ACTIVATIONS,
    INITS,
    MAX_LAYERS,
    MAX_NEURONS,
    OPTIMIZERS,
    REGULARIZATIONS,
    SCHEDULES,
    Settings,
)

# TF Playground's choices; a value from a shared state string outside them is added when shown
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REGULARIZATION_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
FEATURE_LABELS = {"x1": "x1", "x2": "x2", "x1_sq": "x1²", "x2_sq": "x2²", "x1_x2": "x1·x2",
                  "sin_x1": "sin x1", "sin_x2": "sin x2"}  # fmt: skip
PROBLEMS = {"classification": CLASSIFICATION, "regression": REGRESSION}
_STYLE = {"description_width": "130px"}
_WIDE = widgets.Layout(width="290px")


class HiddenLayers(widgets.VBox):
    """The hidden layers' editor: "+ layer"/"- layer" and, per layer, "+"/"-" neurons."""

    def __init__(self, on_change: Callable[[], None]) -> None:
        super().__init__()
        self.sizes: tuple[int, ...] = ()
        self._on_change = on_change
        self.add_layer = make_button("+ layer", "add a hidden layer",
                                     lambda: self._edit(len(self.sizes), +1))  # fmt: skip
        self.remove_layer = make_button("- layer", "remove the last hidden layer", self._pop)
        self.title = widgets.Label()

    def show(self, sizes: tuple[int, ...]) -> None:
        """Draw the editor for these layer sizes (no change event)."""
        self.sizes = sizes
        self.title.value = f"{len(sizes)} hidden layer{'s' * (len(sizes) != 1)}"
        self.add_layer.disabled = len(sizes) >= MAX_LAYERS
        self.remove_layer.disabled = not sizes
        layers = [self._layer(i, n) for i, n in enumerate(sizes)]
        self.children = [widgets.HBox([self.remove_layer, self.title, self.add_layer, *layers])]

    def _layer(self, i: int, n: int) -> widgets.HBox:
        more = make_button("+", f"add a neuron to layer {i + 1}", lambda: self._edit(i, +1))
        fewer = make_button("-", f"remove a neuron from layer {i + 1}", lambda: self._edit(i, -1))
        more.disabled, fewer.disabled = n >= MAX_NEURONS, n <= 1
        label = widgets.Label(f"layer {i + 1}: {n} neuron{'s' * (n != 1)}")
        return widgets.HBox([label, fewer, more], layout=widgets.Layout(margin="0 0 0 24px"))

    def _edit(self, layer: int, change: int) -> None:
        sizes = list(self.sizes)
        if layer == len(sizes):
            sizes.append(2)  # a new layer starts with two neurons
        else:
            sizes[layer] += change
        self.show(tuple(sizes))
        self._on_change()

    def _pop(self) -> None:
        self.show(self.sizes[:-1])
        self._on_change()


class Controls:
    """Every setting's widget; `on_change()` is called after the user changes any of them."""

    def __init__(self, on_change: Callable[[], None]) -> None:
        self._on_change = on_change
        self._quiet = False  # True while show() sets the widgets
        self.problem = _dropdown("problem", tuple(PROBLEMS))
        self.features = {name: widgets.Checkbox(description=FEATURE_LABELS[name], indent=False,
                                                layout=widgets.Layout(width="85px"))
                         for name in FEATURES}  # fmt: skip
        self.hidden = HiddenLayers(self._changed)
        self.widgets = {
            "dataset": _dropdown("dataset", CLASSIFICATION),
            "noise": widgets.IntSlider(min=0, max=50, step=5, description="noise %"),
            "train_percent": widgets.IntSlider(min=10, max=90, step=10,
                                               description="training data %"),
            "batch_size": widgets.IntSlider(min=1, max=30, description="batch size"),
            "activation": _dropdown("activation", ACTIVATIONS),
            "init": _dropdown("initialisation", INITS),
            "regularization": _dropdown("regularisation", REGULARIZATIONS),
            "regularization_rate": _dropdown("regularisation rate", REGULARIZATION_RATES),
            "lr": _dropdown("learning rate", LEARNING_RATES),
            "optimizer": _dropdown("optimizer", OPTIMIZERS),
            "schedule": _dropdown("LR schedule", SCHEDULES),
            "steps_per_frame": widgets.IntSlider(min=1, max=100, description="steps a frame"),
            "seed": widgets.BoundedIntText(min=0, max=2**32 - 1, description="seed"),
        }  # fmt: skip
        for widget in self.widgets.values():
            widget.style, widget.layout = _STYLE, _WIDE
            widget.continuous_update = False
            widget.observe(lambda _: self._changed(), names="value")
        self.problem.observe(self._problem_changed, names="value")
        for box in self.features.values():
            box.observe(lambda _: self._changed(), names="value")

    def settings(self) -> Settings:
        """The Settings the widgets show (ValueError naming a setting they cannot make)."""
        values = {name: widget.value for name, widget in self.widgets.items()}
        values["features"] = tuple(name for name, box in self.features.items() if box.value)
        values["hidden"] = self.hidden.sizes
        return Settings(**values)

    def show(self, settings: Settings) -> None:
        """Set every widget to `settings` without calling on_change."""
        self._quiet = True
        try:
            self.problem.value = settings.problem
            self.widgets["dataset"].options = PROBLEMS[settings.problem]
            for name, widget in self.widgets.items():
                value = getattr(settings, name)
                if isinstance(widget, widgets.Dropdown) and value not in widget.options:
                    widget.options = tuple(sorted((*widget.options, value)))
                widget.value = value
            for name, box in self.features.items():
                box.value = name in settings.features
            self.hidden.show(settings.hidden)
        finally:
            self._quiet = False

    def _changed(self) -> None:
        if not self._quiet:
            self._on_change()

    def _problem_changed(self, change: dict) -> None:
        if self._quiet:
            return
        dataset = self.widgets["dataset"]
        self._quiet = True  # one change below, not two
        dataset.options = PROBLEMS[change["new"]]
        dataset.value = dataset.options[0]
        self._quiet = False
        self._on_change()


def _dropdown(description: str, options: tuple) -> widgets.Dropdown:
    return widgets.Dropdown(options=options, description=description, style=_STYLE,
                            layout=_WIDE)  # fmt: skip


def make_button(description: str, tooltip: str, on_click: Callable[[], None],
                icon: str = "") -> widgets.Button:  # fmt: skip
    button = widgets.Button(description=description, tooltip=tooltip, icon=icon,
                            layout=widgets.Layout(width="auto"))  # fmt: skip
    button.on_click(lambda _: on_click())
    return button
