"""What a frame of the playground shows, as plain numbers the canvas draws.

Heat maps travel as bytes, one per grid cell (0 = -1 or below, 255 = +1 or above, 128 = 0), so
a frame of a 2-[8, 8]-1 network is about 50 kB. The output map is the network's output as it is
(tanh for classification, labels +-1; a regression target lies in [-1, 1]); each input and
hidden neuron's map is scaled by its largest |value| over the grid, as TF Playground does, so a
ReLU's shape shows whatever its size.
"""

import numpy as np

from .data import features, grid
from .session import Session

RESOLUTION = 50  # grid cells a side of every heat map
LOSS_POINTS = 400  # the loss curve keeps at most this many points, thinned evenly as it grows


def to_bytes(values: np.ndarray) -> bytes:
    """(R, R) values in [-1, 1] -> R*R bytes, row 0 first (x2 = -6); outside [-1, 1] clipped."""
    scaled = np.rint((np.clip(values, -1.0, 1.0) + 1.0) * 127.5)
    return scaled.astype(np.uint8).tobytes()


def normalised(maps: np.ndarray) -> np.ndarray:
    """(units, R, R) -> each map divided by its largest |value| (a map of zeros stays 0)."""
    peak = np.abs(maps).max(axis=(1, 2), keepdims=True)
    return maps / np.where(peak > 0, peak, 1.0)


def input_maps(session: Session, resolution: int = RESOLUTION) -> bytes:
    """Each input feature over the grid, normalised: len(features) maps of R*R bytes."""
    values = features(grid(resolution), session.settings.features)  # (R*R, F)
    maps = values.T.reshape(-1, resolution, resolution)
    return b"".join(to_bytes(m) for m in normalised(maps))


def hidden_maps(session: Session, resolution: int = RESOLUTION) -> bytes:
    """Every hidden neuron's output over the grid, normalised, layer by layer: sum(hidden) maps
    of R*R bytes."""
    return b"".join(to_bytes(m) for layer in session.neuron_maps(resolution)
                    for m in normalised(layer))  # fmt: skip


def output_map(session: Session, resolution: int = RESOLUTION) -> bytes:
    """The network's output over the grid, as it is: R*R bytes."""
    return to_bytes(session.boundary(resolution))


def points(xy: np.ndarray, targets: np.ndarray) -> list[list[float]]:
    """(N, 2) points and (N,) targets -> [[x1, x2, target], ...] rounded for sending."""
    return np.round(np.column_stack([xy, targets]), 3).tolist()


def thinned(curve: list, limit: int = LOSS_POINTS) -> list:
    """At most `limit` entries of `curve`, evenly spaced, always the first and the last."""
    if len(curve) <= limit:
        return list(curve)
    picks = np.linspace(0, len(curve) - 1, limit).round().astype(int)
    return [curve[i] for i in picks]
