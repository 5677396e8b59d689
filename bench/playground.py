"""The playground's Python side per animation frame (issue 18's budget: at most 25 ms).

One frame = settings.steps_per_frame (5) training steps + the output over a 50x50 grid + every
hidden neuron's map over it + the train and test loss (what a frame shows). The network is
issue 18's 2-[8, 8]-2 (2-d points, two classes): here 7 inputs (every feature on), two hidden
layers of 8 and one tanh output for labels +-1; 500 points of the spiral, half for training,
batch 10. Prints the median and the 90th percentile in ms per frame after a few frames of
warm-up.
Run: `python bench/playground.py [--frames N]` on an otherwise idle machine.
"""

import argparse
import statistics
import time

from viz.playground import FEATURES, Session, Settings

RESOLUTION = 50
WARMUP = 3


def frame(session: Session) -> tuple[float, float]:
    """What one animation frame computes; the train and test loss it shows."""
    session.step()
    session.boundary(RESOLUTION)
    session.neuron_maps(RESOLUTION)
    return session.train_loss, session.test_loss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200, help="timed frames (default 200)")
    frames = parser.parse_args().frames
    settings = Settings(dataset="spiral", features=FEATURES, hidden=(8, 8), activation="tanh",
                        optimizer="sgd", lr=0.03, batch_size=10)  # fmt: skip
    session = Session(settings)
    for _ in range(WARMUP):
        frame(session)
    times = []
    for _ in range(frames):
        start = time.perf_counter()
        frame(session)
        times.append(1e3 * (time.perf_counter() - start))
    p90 = statistics.quantiles(times, n=10)[-1] if len(times) > 1 else times[0]
    points = len(session.y_train) + len(session.y_test)
    print(
        f"playground frame ({settings.steps_per_frame} steps + {RESOLUTION}x{RESOLUTION} boundary "
        f"+ neuron maps + losses), {len(FEATURES)}-[8, 8]-1 on {points} points, "
        f"{frames} frames: median {statistics.median(times):.2f} ms, p90 {p90:.2f} ms "
        f"({1e3 / statistics.median(times):.0f} frames/s)"
    )


if __name__ == "__main__":
    main()
