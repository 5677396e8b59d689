"""The 17 simulations in headless Chromium, all served by one Voila server: each page loads and
shows its controls and no Python traceback; on the gate circuit (14), the richer circuit (15)
and the neuron (2) the browser moves a slider, and on the loss landscape (9) it clicks the map,
and the page shows the engine's new numbers.
Screenshots of each, and a grid of them (docs/simulations.png is that grid), go to
build/screenshots/simulations/ for a person to look at."""

import re
import time
from pathlib import Path

import numpy as np
from browser import browser_pages
from PIL import Image, ImageChops

from autograd import Tensor, Value
from viz.serve import page_name
from viz.simulations import SIMULATIONS, Simulation, format_number, target
from viz.surfaces import default_optimizers, ravine

SCREENSHOTS = Path(__file__).resolve().parent.parent / "build" / "screenshots" / "simulations"
TIMEOUT = 300  # s a page may take: several kernels start at once on a small, busy machine
WAVE = 6  # pages loading at once
CONTROLS = ".widget-slider, .widget-toggle-buttons, .widget-dropdown, button"
PICTURES_LOADED = "el => [...el.querySelectorAll('img')].every(i => i.complete && i.naturalWidth)"


def numbers(page) -> dict[str, str]:
    """The numbers table of the page's first simulation: name -> the number as shown."""
    rows = page.locator(".tracegrad-simulation .tracegrad-numbers tr")
    return dict(rows.evaluate_all("rows => rows.map(r => [...r.cells].map(c => c.innerText))"))


def until_shown(page, expected: dict[str, float], timeout: float = 60.0) -> None:
    """Wait until the page's numbers table shows each of `expected`, formatted as it does."""
    wanted = {name: format_number(x) for name, x in expected.items()}
    deadline = time.monotonic() + timeout
    while {name: numbers(page).get(name) for name in wanted} != wanted:
        assert time.monotonic() < deadline, f"the page shows {numbers(page)}, not {wanted}"
        time.sleep(0.2)


def set_slider(page, label: str, value: float) -> None:
    """Type `value` into the readout of the slider labelled `label`, as a person can."""
    slider = page.locator(".widget-slider").filter(
        has=page.locator(".widget-label", has_text=re.compile(f"^{re.escape(label)}$"))
    )
    readout = slider.locator(".widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(str(value))
    page.keyboard.press("Enter")


def press(page, label: str, times: int = 1) -> None:
    for _ in range(times):
        page.get_by_role("button", name=label, exact=True).click()


def check_loaded(name: str, page, server) -> None:
    """The page shows its simulation, at least one control, its pictures and no traceback."""
    try:
        page.locator(".tracegrad-simulation").first.wait_for(state="visible")
    except Exception as error:  # Playwright's timeout: say what the page and Voila show
        text = page.locator("body").inner_text()[-1500:]
        raise AssertionError(f"{name}: no simulation shown; the page says {text!r}; "
                             f"Voila's log ends {server.log()[-3000:]}") from error  # fmt: skip
    assert page.locator(CONTROLS).count() >= 1, name
    page.wait_for_function(f"() => ({PICTURES_LOADED})(document.body)")
    text = page.locator("body").inner_text()
    assert "Traceback" not in text and "error when executing" not in text, (name, text[-2000:])


def screenshot(name: str, page) -> None:
    """Save the simulation's screenshot, cropped to what it draws, once its pictures are in."""
    page.bring_to_front()
    page.wait_for_function(f"() => ({PICTURES_LOADED})(document.body)")
    path = SCREENSHOTS / f"{name}.png"
    page.locator(".tracegrad-simulation").first.screenshot(path=path)
    shot = Image.open(path).convert("RGB")
    blank = Image.new("RGB", shot.size, "white")
    shot.crop(ImageChops.difference(shot, blank).getbbox()).save(path)


def drive_gate_circuit(page) -> None:
    set_slider(page, "x", 3)
    x, y, z = Value(3.0), Value(5.0), Value(-4.0)
    f = (x + y) * z
    f.backward()
    until_shown(page, {"x": 3.0, "f": f.data, "grad x": x.grad, "grad z": z.grad})


def drive_richer_circuit(page) -> None:
    set_slider(page, "w", 4)
    press(page, "Forward", 4)
    press(page, "Backward", 4)
    x, y, z, w = Value(-2.0), Value(5.0), Value(-4.0), Value(4.0)
    f = (x + y) * z + x.maximum(w)
    f.backward()
    until_shown(page, {"f": f.data, "grad x": x.grad, "grad w": w.grad, "grad z": z.grad})


def drive_neuron(page) -> None:
    set_slider(page, "b", -2)  # w·x + b < 0 at the other sliders' defaults: the ReLU clamps
    weights, bias = [Value(w) for w in (0.5, -0.3, 0.8)], Value(-2.0)
    out = (Value.dot(weights, (1.0, -2.0, 0.5)) + bias).relu()
    out.backward()
    until_shown(page, {"relu": out.data, "d out/d w1": weights[0].grad, "d out/d b": bias.grad})
    assert out.data == 0.0 and weights[0].grad == 0.0


def drive_loss_landscape(page) -> None:
    """Click the ravine's map 3/4 across and 3/5 up, then step downhill with SGD."""
    margins = Simulation.margins  # the map's box in the picture (no layout engine moves it)
    fx = margins["left"] + 0.75 * (margins["right"] - margins["left"])
    fy = 1 - (margins["bottom"] + 0.6 * (margins["top"] - margins["bottom"]))
    picture = page.locator(".tracegrad-simulation img").first
    box = picture.bounding_box()
    picture.click(position={"x": fx * box["width"], "y": fy * box["height"]})
    until_shown(page, {"x": 2.5, "y": 0.3, "steps": 0})  # the sliders' notches nearest
    press(page, "Step downhill", 3)
    position = Tensor(np.array([2.5, 0.3]), requires_grad=True)
    for _ in range(3):  # a fresh optimizer each press, as the widget makes one
        optimizer = default_optimizers(ravine)["SGD"]([position])
        for _ in range(10):
            optimizer.zero_grad()
            ravine.f(position[0], position[1]).backward()
            optimizer.step()
    x, y = position.data
    until_shown(page, {"steps": 30, "x": x, "y": y})


DRIVEN = {"gate-circuit": drive_gate_circuit, "richer-circuit": drive_richer_circuit,
          "neuron": drive_neuron, "loss-landscape": drive_loss_landscape}  # fmt: skip
# Buttons pressed before a screenshot, so that the picture shows the simulation at work, and
# what the page then shows: label -> presses, (a number's name, its text).
SHOWN_AT_WORK = {
    "learn-a-line": ({"Learn": 3}, ("steps", "30")),
    "forward-stages": ({"Step": 4}, ("stage", "4")),
    "computation-graph": ({"Forward": 4, "Backward": 3}, ("grad a", "6")),
    "network-passes": ({"Step": 8}, ("phase", "8")),
    "adam-vs-adamw": ({"Step x50": 2}, ("steps", "100")),
}


def show_at_work(page, presses: dict[str, int], shows: tuple[str, str]) -> None:
    for label, times in presses.items():
        press(page, label, times)
    name, text = shows
    deadline = time.monotonic() + 60
    while numbers(page).get(name) != text:
        assert time.monotonic() < deadline, f"the page shows {numbers(page)}, not {name} {text}"
        time.sleep(0.2)


def save_grid(columns: int = 3, width: int = 640) -> Path:
    """The screenshots in the registry's order, scaled to `width` px, `columns` a row: grid.png."""
    shots = [Image.open(SCREENSHOTS / f"{name}.png") for name in SIMULATIONS]
    shots = [s.resize((width, round(s.height * width / s.width)), Image.LANCZOS) for s in shots]
    rows = [shots[i : i + columns] for i in range(0, len(shots), columns)]
    heights = [max(s.height for s in row) + 20 for row in rows]
    grid = Image.new("RGB", (columns * (width + 20), sum(heights)), "white")
    for r, row in enumerate(rows):
        for c, shot in enumerate(row):
            grid.paste(shot, (c * (width + 20), sum(heights[:r])))
    palette = grid.quantize(256, method=Image.Quantize.FASTOCTREE)  # a fifth of the bytes
    palette.save(SCREENSHOTS / "grid.png", optimize=True)
    return SCREENSHOTS / "grid.png"


def test_every_simulation_page_loads_and_three_answer_the_browser():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with browser_pages([target(name) for name in SIMULATIONS]) as pages:
        tabs, names = {}, list(SIMULATIONS)
        for i, name in enumerate(names):  # WAVE pages loading at a time: their kernels overlap
            tabs[name] = pages.browser.context.new_page()
            tabs[name].set_default_timeout(TIMEOUT * 1000)
            url = pages.server.urls[page_name(target(name))]
            tabs[name].evaluate("url => { window.location.href = url; }", url)
            if i >= WAVE - 1:
                check_loaded(names[i - WAVE + 1], tabs[names[i - WAVE + 1]], pages.server)
        for name in names[len(names) - WAVE + 1 :]:
            check_loaded(name, tabs[name], pages.server)
        for name, page in tabs.items():
            page.set_default_timeout(60_000)
            if name in DRIVEN:
                DRIVEN[name](page)
            if name in SHOWN_AT_WORK:
                show_at_work(page, *SHOWN_AT_WORK[name])
            screenshot(name, page)
        assert pages.external == []
    assert save_grid().stat().st_size > 0
