"""The playground's speed (issue 18): the Python side per animation frame (budget: at most 25 ms)
and the frames a second a browser actually receives (goal: at least 20).

One frame is what the widget's Player runs: settings.steps_per_frame (5) training steps, then
the texts (epoch, losses, LR), the diagnostics, and the canvas's maps over a 50x50 grid, weights
and loss curve. The network is issue 18's 2-[8, 8]-2 (2-d points, two classes): here 7 inputs
(every feature on), two hidden layers of 8 and one tanh output for labels +-1; 500 points of the
spiral, half for training, batch 10. The Python side is timed without a browser attached (the
widget's messages are not sent); the median and the 90th percentile after a few frames of
warm-up. `--browser S` also serves the playground (viz.serve), plays it in headless Chromium
(tests/browser.py) for S seconds and counts the frames the canvas painted.
Run: `python bench/playground.py [--frames N] [--browser S]` on an otherwise idle machine.
"""

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

from viz.playground import FEATURES, Settings, playground

WARMUP = 3
SETTINGS = Settings(dataset="spiral", features=FEATURES, hidden=(8, 8), activation="tanh",
                    optimizer="sgd", lr=0.03, batch_size=10)  # fmt: skip


def python_side(frames: int) -> None:
    widget = playground(SETTINGS)
    widget.select(1, 0)  # the inspector follows a neuron: redrawn every frame too
    for _ in range(WARMUP):
        widget.step()
    times = []
    for _ in range(frames):
        start = time.perf_counter()
        widget.step()
        times.append(1e3 * (time.perf_counter() - start))
    p90 = statistics.quantiles(times, n=10)[-1] if len(times) > 1 else times[0]
    points = len(widget.session.y_train) + len(widget.session.y_test)
    print(
        f"playground frame, Python side ({SETTINGS.steps_per_frame} steps + texts + diagnostics "
        f"+ inspector + 50x50 maps), {len(FEATURES)}-[8, 8]-1 on {points} points, {frames} "
        f"frames: median {statistics.median(times):.2f} ms, p90 {p90:.2f} ms "
        f"({1e3 / statistics.median(times):.0f} frames/s)"
    )


def browser_side(seconds: float) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from browser import browser_pages  # tests/browser.py: serving and Chromium

    with browser_pages(["viz.playground:playground"]) as pages:
        page = pages.open_page("playground", hash=SETTINGS.to_string())
        page.get_by_text("layer 2: 8 neurons", exact=True).wait_for()
        canvas = page.locator("canvas.tracegrad-playground-canvas")
        page.get_by_role("button", name=re.compile(r"Play$")).click()
        time.sleep(2.0)  # settle
        counts = ("data-frame", "data-paints")  # the last frame received, the paints so far
        first, start = [int(canvas.get_attribute(c)) for c in counts], time.monotonic()
        time.sleep(seconds)
        last, end = [int(canvas.get_attribute(c)) for c in counts], time.monotonic()
        page.get_by_role("button", name=re.compile(r"Pause$")).click()
    received, painted = ((b - a) / (end - start) for a, b in zip(first, last, strict=True))
    print(f"playground in headless Chromium over {end - start:.1f} s: {received:.1f} frames/s "
          f"received, {painted:.1f} painted")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200, help="timed frames (default 200)")
    parser.add_argument("--browser", type=float, default=0, metavar="S",
                        help="also count the frames Chromium paints in S seconds")  # fmt: skip
    args = parser.parse_args()
    python_side(args.frames)
    if args.browser > 0:
        browser_side(args.browser)


if __name__ == "__main__":
    main()
