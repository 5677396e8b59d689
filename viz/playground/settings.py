"""Settings: every control of the playground, validated, and as a shareable string.

The string is `key=value` pairs joined by `&` (`dataset=spiral&noise=10&hidden=8,8&...`): only
letters, digits and `&=,._-` appear, so it can sit in a URL hash as it is. Tuples are written
comma-separated (an empty tuple as nothing: `hidden=`), floats with `repr`, so
`Settings.from_string(s.to_string()) == s` exactly. A string may leave keys out (they take the
defaults); an unknown or repeated key is an error.
"""

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from .data import CLASSIFICATION, DATASETS, FEATURES

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear", "gelu", "silu", "leaky_relu")
INITS = ("he", "xavier", "zero")
REGULARIZATIONS = ("none", "l1", "l2")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
SCHEDULES = ("constant", "step", "exponential", "cosine", "warmup")
MAX_LAYERS, MAX_NEURONS = 6, 8

# int settings: (smallest, largest) allowed
_INT_RANGES = {
    "noise": (0, 50),
    "train_percent": (10, 90),
    "batch_size": (1, 30),
    "seed": (0, 2**32 - 1),
    "steps_per_frame": (1, 100),
}
_CHOICES = {
    "dataset": DATASETS,
    "activation": ACTIVATIONS,
    "init": INITS,
    "regularization": REGULARIZATIONS,
    "optimizer": OPTIMIZERS,
    "schedule": SCHEDULES,
}


@dataclass(frozen=True)
class Settings:
    """One playground configuration; every field is checked on construction (ValueError or
    TypeError naming the setting and what it allows).

    noise and train_percent are percentages; features are names from data.FEATURES (at least one,
    no repeats); hidden holds 0-6 layer sizes of 1-8 neurons; lr > 0 and regularization_rate >= 0
    are finite. The problem type follows from the dataset (`problem`).
    """

    dataset: str = "circle"
    noise: int = 0
    train_percent: int = 50
    batch_size: int = 10
    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[int, ...] = (4, 2)
    activation: str = "tanh"
    init: str = "xavier"
    regularization: str = "none"
    regularization_rate: float = 0.0
    lr: float = 0.03
    optimizer: str = "sgd"
    schedule: str = "constant"
    seed: int = 0
    steps_per_frame: int = 5

    def __post_init__(self) -> None:
        for name, choices in _CHOICES.items():
            if getattr(self, name) not in choices:
                raise ValueError(
                    f"Settings: {name} must be one of {', '.join(choices)}; "
                    f"got {getattr(self, name)!r}"
                )
        for name, (low, high) in _INT_RANGES.items():
            _check_int(name, getattr(self, name), low, high)
        _check_features(self.features)
        _check_hidden(self.hidden)
        for name in ("lr", "regularization_rate"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"Settings: {name} must be a number, got {value!r}")
            object.__setattr__(self, name, float(value))  # an int 1 is stored as 1.0
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"Settings: lr must be a finite number > 0, got {self.lr!r}")
        rate = self.regularization_rate
        if not (math.isfinite(rate) and rate >= 0):
            raise ValueError(
                f"Settings: regularization_rate must be a finite number >= 0, got {rate!r}"
            )

    @property
    def problem(self) -> str:
        """The problem type, from the dataset: classification (labels +-1) or regression."""
        return "classification" if self.dataset in CLASSIFICATION else "regression"

    def to_dict(self) -> dict[str, Any]:
        """{setting: value}, tuples as tuples; `from_dict` inverts it."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "Settings":
        """Settings from a dict of some or all settings; ValueError naming an unknown key."""
        _check_keys(values)
        return cls(**values)

    def to_string(self) -> str:
        """The URL-hash-safe string `key=value&...` of every setting."""
        return "&".join(f"{name}={_format(value)}" for name, value in self.to_dict().items())

    @classmethod
    def from_string(cls, text: str) -> "Settings":
        """Settings from `to_string`'s format (keys left out take their defaults)."""
        values: dict[str, Any] = {}
        kinds = {f.name: f.type for f in fields(cls)}
        for pair in text.split("&") if text else ():
            key, sep, raw = pair.partition("=")
            if not sep:
                raise ValueError(f"Settings.from_string: expected key=value, got {pair!r}")
            if key in values:
                raise ValueError(f"Settings.from_string: {key!r} appears twice")
            _check_keys({key: raw})
            values[key] = _parse(key, raw, kinds[key])
        return cls(**values)


def _check_int(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"Settings: {name} must be an int, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"Settings: {name} must be in {low}..{high}, got {value}")


def _check_keys(values: dict[str, Any]) -> None:
    names = [f.name for f in fields(Settings)]
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise ValueError(
            f"Settings: unknown setting {', '.join(map(repr, unknown))}; "
            f"the settings are {', '.join(names)}"
        )


def _check_features(value: Any) -> None:
    if not isinstance(value, tuple):
        raise TypeError(f"Settings: features must be a tuple of names, got {value!r}")
    if not value or len(set(value)) != len(value) or not set(value) <= set(FEATURES):
        raise ValueError(
            f"Settings: features must be one or more of {', '.join(FEATURES)} without repeats; "
            f"got {value!r}"
        )


def _check_hidden(value: Any) -> None:
    if not isinstance(value, tuple):
        raise TypeError(f"Settings: hidden must be a tuple of layer sizes, got {value!r}")
    sizes = all(isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= MAX_NEURONS
                for n in value)  # fmt: skip
    if not (sizes and len(value) <= MAX_LAYERS):
        raise ValueError(
            f"Settings: hidden must be 0-{MAX_LAYERS} layer sizes of 1-{MAX_NEURONS} neurons "
            f"each; got {value!r}"
        )


def _format(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return repr(value) if isinstance(value, float) else str(value)


def _parse(key: str, raw: str, kind: Any) -> Any:
    """The value of setting `key` read from its text; ValueError naming the key if unreadable."""
    try:
        if kind == tuple[str, ...]:
            return tuple(raw.split(",")) if raw else ()
        if kind == tuple[int, ...]:
            return tuple(int(n) for n in raw.split(",")) if raw else ()
        if kind in (int, float):
            return kind(raw)
    except ValueError:
        raise ValueError(f"Settings.from_string: cannot read {key}={raw!r}") from None
    return raw
