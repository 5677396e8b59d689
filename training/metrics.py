"""Metrics fit can log per batch: (output, target) -> a number."""

from typing import Any

import numpy as np

from autograd import Tensor


def accuracy(output: Tensor, target: Any) -> float:
    """The fraction of rows whose argmax is the target class: output (N, C), target (N,) ints."""
    predicted = np.argmax(output.data, axis=-1)
    labels = np.asarray(getattr(target, "data", target))
    if predicted.shape != labels.shape:
        raise ValueError(
            f"accuracy: output {output.shape} gives predictions of shape {predicted.shape}, "
            f"but target has shape {labels.shape}"
        )
    return float(np.mean(predicted == labels))
