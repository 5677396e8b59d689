"""The playground end to end: `tracegrad playground` on a free port, driven in headless Chromium
as a person would use it, reading what the page shows. Screenshots go to build/screenshots/
for a person to look at (docs/playground.png is one of them)."""

import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from browser import chromium, free_port

from tracegrad.cli import main
from viz.playground import Settings

SCREENSHOTS = Path(__file__).resolve().parent.parent / "build" / "screenshots"
STOP_TIMEOUT = 15  # s for the command to stop on Ctrl-C
# the hash of the page the README's screenshot shows: width on the spiral, trained with Adam
SPIRAL = Settings(dataset="spiral", features=("x1", "x2", "x1_sq", "x2_sq", "sin_x1", "sin_x2"),
                  hidden=(8, 8), optimizer="adam", lr=0.03, steps_per_frame=10)  # fmt: skip
# canvas.js lays a 6-8-8-1 network out with layer 1's first neuron at (211, 34), 40 px a side
FIRST_HIDDEN_NEURON = {"x": 231, "y": 54}


@contextmanager
def playground_command(port: int) -> Iterator[str]:
    """Run `tracegrad playground --port port --no-browser`; yield the URL it prints; stop it
    with Ctrl-C (SIGINT) on leaving and check that it stopped cleanly."""
    command = [str(Path(sys.executable).with_name("tracegrad")), "playground", "--port",
               str(port), "--no-browser"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)  # fmt: skip
    try:
        line = process.stdout.readline()
        assert line.startswith("serving http://127.0.0.1:"), line + process.stderr.read()
        yield line.split()[1]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            code = "killed"
    out = process.stdout.read()
    assert code == 0 and "stopping" in out, (code, out, process.stderr.read())


def text(page, prefix: str) -> str:
    """The text of the label that starts with `prefix` ("Epoch ", "Train loss ")."""
    return page.get_by_text(re.compile(f"^{prefix}")).inner_text()


def number(page, prefix: str) -> float:
    return float(text(page, prefix).removeprefix(prefix))


def picture(page) -> str:
    """What the canvas shows now, as a PNG data URL."""
    return page.locator("canvas.tracegrad-playground-canvas").evaluate("c => c.toDataURL()")


def until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the page did not change in time"
        time.sleep(0.1)


def button(page, name: str):
    # a button with an icon is named "<icon glyph> Play": match the word, not the whole name
    return page.get_by_role("button", name=re.compile(rf"(^|\s){re.escape(name)}$"))


def test_the_playground_page_plays_pauses_resets_and_redraws():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with playground_command(free_port()) as url, chromium() as browser:
        page = browser.open(f"{url}#{SPIRAL.to_string()}")  # starts from the hash's state
        page.get_by_text("layer 2: 8 neurons", exact=True).wait_for()
        page.get_by_text("Epoch 0", exact=True).wait_for()
        page.screenshot(path=SCREENSHOTS / "playground-start.png", full_page=True)
        start_loss = number(page, "Train loss ")

        button(page, "Play").click()
        until(lambda: number(page, "Epoch ") >= 15, timeout=60)
        button(page, "Pause").click()
        time.sleep(0.5)  # frames already sent arrive
        paused_at = text(page, "Epoch ")
        assert number(page, "Train loss ") < 0.5 * start_loss
        page.locator("body").screenshot(path=SCREENSHOTS / "playground.png")
        time.sleep(1.0)
        assert text(page, "Epoch ") == paused_at

        page.locator("canvas.tracegrad-playground-canvas").click(position=FIRST_HIDDEN_NEURON)
        page.get_by_text("layer 1, neuron 1", exact=True).wait_for()
        assert page.locator("pre", has_text="w.grad = ").count() == 1

        button(page, "Reset").click()
        page.get_by_text("Epoch 0", exact=True).wait_for()
        assert number(page, "Train loss ") == start_loss

        spiral = picture(page)
        page.get_by_label("dataset").select_option("circle")
        until(lambda: picture(page) != spiral)
        assert "dataset=circle" in page.url  # the state in the URL hash
        circle = picture(page)
        button(page, "+ layer").click()
        page.get_by_text("3 hidden layers", exact=True).wait_for()
        until(lambda: picture(page) != circle)
        assert "hidden=8,8,2" in page.url
        page.screenshot(path=SCREENSHOTS / "playground-changed.png", full_page=True)

        button(page, "Export as code").click()
        page.get_by_text("import tracegrad as torch", exact=True).wait_for()
        assert browser.external == []


def test_the_command_refuses_a_port_it_cannot_use(capsys):
    for port in ("0", "65536", "http"):
        with pytest.raises(SystemExit) as stop:
            main(["playground", "--port", port])
        assert stop.value.code == 2
    assert "argument --port: must be <= 65535, got 65536" in capsys.readouterr().err
