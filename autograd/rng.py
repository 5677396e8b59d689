"""Random generators made explicit: every random choice takes a seed or a Generator."""

import numpy as np

Seed = int | np.random.Generator | None


def as_generator(seed: Seed = None, owner: str = "") -> np.random.Generator:
    """`seed` itself if it is a Generator, else a new Generator seeded with it (None: fresh).

    A seed of another type raises TypeError, naming `owner` (the function given it) if any.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and not isinstance(seed, (int, np.integer)):
        prefix = f"{owner}: " if owner else ""
        raise TypeError(
            f"{prefix}seed must be an int, a numpy Generator or None, got {type(seed).__name__}"
        )
    return np.random.default_rng(seed)
