"""Random generators made explicit: every random choice takes a seed or a Generator, and without
one draws from the one global generator that `manual_seed` seeds (torch's convention).

The global generator is a single numpy Generator object for the whole process. `manual_seed(n)`
resets its state in place rather than replacing it, so anything already holding it (a Dropout
layer, a DataLoader) draws the seeded stream from then on, as in torch. Until the first
`manual_seed` it starts from a seed drawn from OS entropy (initial_seed() tells it), so
unseeded programs differ from run to run.
numpy's own hidden global state (np.random.seed) is never used.
"""

import numpy as np

from .arguments import is_whole

Seed = int | np.random.Generator | None

_initial_seed = int(np.random.SeedSequence().entropy) % 2**64  # fresh OS entropy per process
_GLOBAL = np.random.Generator(np.random.PCG64(_initial_seed))


def default_generator() -> np.random.Generator:
    """The global generator every random draw without a `generator=` uses."""
    return _GLOBAL


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the global generator (torch.manual_seed): the same seed, the same draws after it.

    Returns the global generator. TypeError unless `seed` is an int; ValueError if negative.
    """
    global _initial_seed
    _initial_seed = _seed(seed, "manual_seed")
    _GLOBAL.bit_generator.state = np.random.PCG64(_initial_seed).state
    return _GLOBAL


def seed() -> int:
    """Seed the global generator from fresh OS entropy (torch.seed); returns that seed, which
    manual_seed takes to replay the draws after it."""
    drawn = int(np.random.SeedSequence().entropy) % 2**64
    manual_seed(drawn)
    return drawn


def initial_seed() -> int:
    """The seed the global generator last started from: manual_seed's, seed's, or the one
    drawn from OS entropy at import (torch.initial_seed)."""
    return _initial_seed


def _seed(seed: int, op: str) -> int:
    """`seed` checked: TypeError unless an int, ValueError if negative (errors name `op`)."""
    if not is_whole(seed):
        raise TypeError(f"{op}: seed must be an int, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"{op}: seed must be >= 0, got {seed}")
    return int(seed)


class Generator(np.random.Generator):
    """torch.Generator: a numpy Generator (so every `generator=` takes it) that starts from fresh
    OS entropy, with torch's `manual_seed(n)`, which seeds it in place and returns it:
    `random_split(ds, [0.8, 0.2], generator=Generator().manual_seed(42))`."""

    def __init__(self, device: str = "cpu") -> None:
        if str(device).split(":")[0] != "cpu":
            raise RuntimeError(f"Generator: device {device!r}: tracegrad runs on the CPU")
        super().__init__(np.random.PCG64())

    def manual_seed(self, seed: int) -> "Generator":
        self.bit_generator.state = np.random.PCG64(_seed(seed, "Generator.manual_seed")).state
        return self


def as_generator(seed: Seed = None, owner: str = "") -> np.random.Generator:
    """`seed` itself if it is a Generator, a new Generator seeded with it if an int, the global
    generator if None (see `manual_seed`).

    A seed of another type raises TypeError, naming `owner` (the function given it) if any.
    """
    if seed is None:
        return _GLOBAL
    if isinstance(seed, np.random.Generator):
        return seed
    if not isinstance(seed, (int, np.integer)):
        prefix = f"{owner}: " if owner else ""
        raise TypeError(
            f"{prefix}seed must be an int, a numpy Generator or None, got {type(seed).__name__}"
        )
    return np.random.default_rng(seed)
