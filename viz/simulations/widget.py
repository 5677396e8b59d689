"""Simulation: the one shape every simulation widget has.

A row of controls (sliders, toggles) and buttons; the numbers the engine computed from them, in a
table (`numbers`: name -> float); a picture drawn from those numbers (`picture`, a PNG). Moving a
control or pressing a button calls `compute()` (the engine) and then `draw()` (matplotlib), so
the computing half is tested from Python by setting `controls[name].value` or calling
`buttons[label].click()` and reading `numbers`.
"""

import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import ClassVar

import ipywidgets as widgets
from matplotlib.figure import Figure


def format_number(x: float) -> str:
    """How the numbers table writes a number: 6 significant digits (`-4`, `0.333333`, `1e-07`)."""
    return f"{x:.6g}"


def slider(
    description: str, value: float, low: float, high: float, step: float
) -> widgets.FloatSlider:
    """A float slider from `low` to `high` with an editable readout."""
    return widgets.FloatSlider(value=value, min=low, max=high, step=step, **labelled(description))


def log_slider(description: str, value: float, low: float, high: float) -> widgets.FloatLogSlider:
    """A slider over 10**low ... 10**high, a tenth of a decade a notch."""
    return widgets.FloatLogSlider(value=value, base=10, min=low, max=high, step=0.1,
                                  **labelled(description))  # fmt: skip


def labelled(description: str) -> dict:
    """A control's arguments for a whole label and updates only where the pointer lets go."""
    return dict(description=description, style={"description_width": "initial"},
                continuous_update=False)  # fmt: skip


def numbers_table(numbers: Mapping[str, float], rows: int = 12) -> str:
    """HTML tables of name and number, `rows` a column, side by side."""
    cells = [
        f"<tr><td style='white-space:nowrap'>{name}</td>"
        f"<td style='text-align:right;padding-left:1em'>{format_number(x)}</td></tr>"
        for name, x in numbers.items()
    ]
    tables = "".join(
        f"<table class='tracegrad-numbers'>{''.join(cells[i : i + rows])}</table>"
        for i in range(0, len(cells), rows)
    )
    return f"<div style='display:flex;gap:1.5em;align-items:flex-start'>{tables}</div>"


def png(figure: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()


class Simulation(widgets.VBox):
    """A live simulation: `controls` (name -> widget), `buttons` (label -> Button), the engine's
    `numbers` (name -> float) shown in `readout`, a `status` line, and `picture` drawn from them
    (an ipywidgets Image unless given another widget with a PNG `value`).

    Subclasses define `compute()` (the numbers, from Value/Tensor graphs and optim steps),
    `draw(figure)`, and, when they have buttons, `press(label)` (advance the state).
    """

    figsize = (6.4, 3.6)
    margins: ClassVar[dict] = dict(left=0.1, right=0.97, bottom=0.14, top=0.9, wspace=0.3)

    def __init__(
        self,
        title: str,
        controls: Mapping[str, widgets.ValueWidget],
        buttons: Sequence[str] = (),
        picture: widgets.DOMWidget | None = None,
    ) -> None:
        self.controls = dict(controls)
        self._quiet = False
        self.buttons = {label: widgets.Button(description=label) for label in buttons}
        self.numbers: dict[str, float] = {}
        self.status = widgets.HTML()
        self.readout = widgets.HTML()
        self.picture = widgets.Image(format="png") if picture is None else picture
        self.picture.layout.flex = "0 0 auto"  # the numbers' tables give way, not the picture
        for control in self.controls.values():
            control.observe(self._moved, names="value")
        for button in self.buttons.values():
            button.on_click(self._pressed)
        row = widgets.HBox([*self.controls.values(), *self.buttons.values()],
                           layout=widgets.Layout(flex_flow="row wrap"))  # fmt: skip
        body = widgets.HBox(
            [self.picture, self.readout], layout=widgets.Layout(align_items="flex-start")
        )
        super().__init__([widgets.HTML(f"<h3>{title}</h3>"), row, self.status, body],
                         layout=widgets.Layout(max_width="1000px"))  # fmt: skip
        self.add_class("tracegrad-simulation")  # what a page's screenshot shows
        self.refresh()

    @property
    def state(self) -> dict[str, object]:
        """Every control's value by name: a dict that `state = ...` takes back."""
        return {name: control.value for name, control in self.controls.items()}

    @state.setter
    def state(self, values: Mapping[str, object]) -> None:
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise KeyError(
                f"{type(self).__name__}: no control {unknown}; it has {list(self.controls)}"
            )
        for name, value in values.items():  # in order: a moved() may set the next controls
            with self.quietly():
                self.controls[name].value = value
            self.moved(name)
        self.refresh()

    def value(self, name: str) -> float:
        """The current value of the control `name`."""
        return self.controls[name].value

    def compute(self) -> dict[str, float]:
        """The numbers to show, computed by the engine from the controls and the state."""
        raise NotImplementedError

    def draw(self, figure: Figure) -> None:
        """Draw the picture of `self.numbers` on `figure`."""
        raise NotImplementedError

    def press(self, label: str) -> None:
        """Advance the state for the button `label`."""
        raise NotImplementedError(f"{type(self).__name__} has no button {label!r}")

    def moved(self, name: str) -> None:
        """React to the control `name` moving, before the numbers are recomputed (default: no
        state to reset)."""

    def refresh(self) -> None:
        """Recompute the numbers, the picture and the table (last: a page showing the new
        numbers has the new picture already)."""
        self.numbers = {name: float(x) for name, x in self.compute().items()}
        figure = Figure(figsize=self.figsize)  # no layout engine: it doubled the drawing time
        figure.subplots_adjust(**self.margins)
        self.draw(figure)
        self.picture.value = png(figure)
        self.readout.value = numbers_table(self.numbers)

    @contextmanager
    def quietly(self) -> Iterator[None]:
        """Set controls inside this block without recomputing after each one."""
        previous, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = previous

    def _moved(self, change: dict) -> None:
        if self._quiet:
            return
        name = next(key for key, control in self.controls.items() if control is change["owner"])
        self.moved(name)
        self.refresh()

    def _pressed(self, button: widgets.Button) -> None:
        self.press(button.description)
        self.refresh()
