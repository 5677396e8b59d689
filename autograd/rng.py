"""Random generators made explicit: every random choice takes a seed or a Generator."""

import numpy as np


def as_generator(seed: int | np.random.Generator | None = None) -> np.random.Generator:
    """`seed` itself if it is a Generator, else a new Generator seeded with it (None: fresh)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and not isinstance(seed, (int, np.integer)):
        raise TypeError(
            f"seed must be an int, a numpy Generator or None, got {type(seed).__name__}"
        )
    return np.random.default_rng(seed)
