"""Losses and weight penalties with torch's names, arguments and semantics (torch.nn.functional).

Every loss is composed from Tensor ops, so its gradient comes from the ops' VJPs and nothing here
is differentiated by hand. `reduction` is "mean" (the default), "sum" or "none" (one loss per
element, or per sample for the classification losses). Targets may be Tensors or numpy arrays.
"""

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd import Tensor, Value
from autograd import cross_entropy as fused_cross_entropy

from .module import Module

REDUCTIONS = ("mean", "sum", "none")
BCE_LOG_MIN = -100.0  # binary_cross_entropy clamps log(p) and log(1 - p) here, as torch does


# --- regression -----------------------------------------------------------------------------------


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """(input - target)**2, reduced; input and target have one shape."""
    _check_reduction("mse_loss", reduction)
    diff = input - _target_like("mse_loss", input, target)
    return _reduce(diff * diff, reduction)


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """|input - target|, reduced; the gradient at a zero difference is 0 (torch)."""
    _check_reduction("l1_loss", reduction)
    return _reduce((input - _target_like("l1_loss", input, target)).abs(), reduction)


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """0.5 * d**2 where |d| < delta, else delta * (|d| - 0.5 * delta), for d = input - target."""
    _check_reduction("huber_loss", reduction)
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    diff = input - _target_like("huber_loss", input, target)
    size = diff.abs()
    quadratic = 0.5 * diff * diff
    return _reduce(quadratic.where(size.data < delta, delta * (size - 0.5 * delta)), reduction)


def smooth_l1_loss(
    input: Tensor, target: Any, reduction: str = "mean", beta: float = 1.0
) -> Tensor:
    """0.5 * d**2 / beta where |d| < beta, else |d| - 0.5 * beta: huber_loss(delta=beta) / beta;
    beta=0 is the L1 loss."""
    _check_reduction("smooth_l1_loss", reduction)
    if not beta >= 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    if beta == 0:
        return l1_loss(input, target, reduction)
    return _reduce(huber_loss(input, target, "none", beta) / beta, reduction)


# --- distributions --------------------------------------------------------------------------------


def kl_div(
    input: Tensor, target: Any, reduction: str = "mean", log_target: bool = False
) -> Tensor:
    """KL(target || model) per element: target * (log(target) - input) for log-probabilities
    `input` and probabilities `target` (log-probabilities with log_target; 0 where target is 0).
    reduction "batchmean" sums and divides by the batch size input.shape[0] (the KL divergence
    itself); torch's default "mean" divides by the element count."""
    _check_kl_reduction("kl_div", reduction)
    target = _target_like("kl_div", input, target)
    if log_target:
        pointwise = target.exp() * (target - input)
    else:  # target * log(target) is 0 where target is 0 (torch's xlogy); log 1 = 0 stands in
        pointwise = target * (target.where(target.data > 0, 1.0).log() - input)
    if reduction == "batchmean":
        return _reduce(pointwise, "mean", input.shape[0] if input.ndim else 1)
    return _reduce(pointwise, reduction)


# --- binary classification ----------------------------------------------------------------------


def binary_cross_entropy(
    input: Tensor, target: Any, weight: Any = None, reduction: str = "mean"
) -> Tensor:
    """-weight * (y * log(p) + (1 - y) * log(1 - p)) for probabilities p = input in [0, 1].

    Each log is clamped at BCE_LOG_MIN (-100) as in torch, so p = 0 or 1 gives a finite loss.
    The gradient is that of the clamped function: a clamped log term contributes none. (torch's
    hand-written backward divides by max(p * (1 - p), 1e-12) instead, so at exactly p = 0 or 1
    it differs from this; everywhere else the two agree.) `weight` broadcasts to input's shape.
    """
    _check_reduction("binary_cross_entropy", reduction)
    target = _target_like("binary_cross_entropy", input, target)
    outside = input.data[~((input.data >= 0) & (input.data <= 1))]  # NaN is outside too, as torch
    if outside.size:
        raise ValueError(
            f"binary_cross_entropy: every input must be a probability in [0, 1], got {outside[0]}"
        )
    loss = -(target * _clamped_log(input) + (1.0 - target) * _clamped_log(1.0 - input))
    if weight is not None:
        loss = loss * _weight_like("binary_cross_entropy", "weight", input, weight)
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """binary_cross_entropy(sigmoid(input), target), computed from the logits without overflow.

    With softplus(-x) = log(1 + e^-x) (Tensor.softplus, which never overflows):
    loss = (1 - y) * x + (1 + (pos_weight - 1) * y) * softplus(-x). Exact for logits of +-100
    and beyond; at x = 0 the gradient is sigmoid(0) - y, as torch's. `pos_weight`
    (one per class, broadcasting along the last axis) weights the positive term.
    """
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    op = "binary_cross_entropy_with_logits"
    target = _target_like(op, input, target)
    softplus_neg = (-input).softplus(threshold=math.inf)  # log(1 + e^-x), exact at any x
    if pos_weight is None:
        loss = (1.0 - target) * input + softplus_neg
    else:
        positive = _weight_like(op, "pos_weight", input, pos_weight)
        loss = (1.0 - target) * input + (1.0 + (positive - 1.0) * target) * softplus_neg
    if weight is not None:
        loss = loss * _weight_like(op, "weight", input, weight)
    return _reduce(loss, reduction)


# --- multi-class classification -----------------------------------------------------------------


def nll_loss(
    input: Tensor,
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
    ignore_index: int = -100,
) -> Tensor:
    """-weight[t] * input[n, t] for log-probabilities input (N, C) or (C,) and class indices t.

    Targets equal to `ignore_index` add nothing; "mean" divides by the summed weight of the
    targets that count (their number, without `weight`), as torch does.
    """
    _check_reduction("nll_loss", reduction)
    x, labels, batched = _batch("nll_loss", input, target)
    if labels.dtype.kind == "f":
        raise TypeError(f"nll_loss: target must hold class indices (integers), got {labels.dtype}")
    index, counts = _class_indices("nll_loss", x, labels, ignore_index)
    class_weight = _class_weight("nll_loss", x, weight)
    loss, total = _nll(x, index, counts, class_weight)
    return _unbatch(_reduce(loss, reduction, total), reduction, batched)


def cross_entropy(
    input: Tensor,
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
    ignore_index: int = -100,
) -> Tensor:
    """Softmax cross-entropy of logits input (N, C) or (C,), as torch.nn.functional.cross_entropy.

    target: class indices (an integer array of shape (N,) or ()) or class probabilities (a float
    array of input's shape). label_smoothing = e mixes the target with the uniform distribution:
    (1 - e) * target + e / C. With indices, `weight` (C,) weights each sample by its class,
    "mean" divides by the summed weight of the counted samples, and `ignore_index` drops
    samples; with probabilities, `weight` weights each class term and "mean" divides by N.
    """
    op = "cross_entropy"
    _check_reduction(op, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be between 0 and 1, got {label_smoothing}")
    x, labels, batched = _batch(op, input, target)
    num_classes = x.shape[1]
    class_weight = _class_weight(op, x, weight)

    if labels.dtype.kind == "f":  # class probabilities
        if ignore_index != -100:
            raise ValueError(f"{op}: ignore_index needs class-index targets, not probabilities")
        if labels.shape != x.shape:
            raise ValueError(
                f"{op}: probability target must have input's shape {x.shape}, got "
                f"{labels.shape} (class indices need an integer dtype)"
            )
        probs = _target_like(op, x, target if batched else _as_tensor(target).reshape(x.shape))
        if label_smoothing:
            probs = probs * (1.0 - label_smoothing) + label_smoothing / num_classes
        logp = x.log_softmax(1)  # (N, C)
        terms = logp * probs if class_weight is None else logp * probs * class_weight
        loss = -terms.sum(1)  # (N,)
        return _unbatch(_reduce(loss, reduction), reduction, batched)

    index, counts = _class_indices(op, x, labels, ignore_index)
    if class_weight is None and not label_smoothing and counts.all():  # the common case, fused
        return _unbatch(_reduce(fused_cross_entropy(x, index), reduction), reduction, batched)
    logp = x.log_softmax(1)  # (N, C)
    loss, total = _nll(logp, index, counts, class_weight)
    if not label_smoothing:
        return _unbatch(_reduce(loss, reduction, total), reduction, batched)
    # The smoothing term: -sum_c weight_c * log p_c per counted sample, with nll's divisor.
    terms = logp if class_weight is None else logp * class_weight
    smooth = (-terms.sum(1)).where(counts, 0.0)
    mixed = (1.0 - label_smoothing) * _reduce(loss, reduction, total) + (
        label_smoothing / num_classes
    ) * _reduce(smooth, reduction, total)
    return _unbatch(mixed, reduction, batched)


# --- penalties ---------------------------------------------------------------------------------


def l1_penalty(params: Iterable[Tensor | Value]) -> Tensor | Value:
    """sum |p| over every element of every tensor in `params` (0-d; 0 for none).

    Scalar `Value`s (the micrograd-style models' parameters) give a Value.
    """
    params = list(params)
    if _all_values(params):
        return Value.sum(p.abs() for p in params)
    return _sum_over(p.abs().sum() for p in params)


def l2_penalty(params: Iterable[Tensor | Value]) -> Tensor | Value:
    """sum p**2 over every element of every tensor in `params` (0-d; 0 for none).

    No factor 1/2: the gradient is 2 * p, so weight decay `wd` with this penalty is
    `loss + wd / 2 * l2_penalty(params)`. Scalar `Value`s give a Value.
    """
    params = list(params)
    if _all_values(params):
        return Value.sum(p * p for p in params)
    return _sum_over((p * p).sum() for p in params)


# --- the loss modules ---------------------------------------------------------------------------


class _Loss(Module):
    """A loss as a module: settings are stored at construction, `forward(input, target)`."""

    def __init__(self, reduction: str = "mean") -> None:
        _check_reduction(type(self).__name__, reduction)
        self.reduction = reduction

    def extra_repr(self) -> str:
        """Settings that differ from the defaults (so a default loss prints like torch's)."""
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class _WeightedLoss(_Loss):
    """A loss with per-class `weight`, kept as a buffer (in the state_dict, as torch)."""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        _optional_buffer(self, "weight", weight)


class MSELoss(_Loss):
    def forward(self, input: Tensor, target: Any) -> Tensor:
        return mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    def forward(self, input: Tensor, target: Any) -> Tensor:
        return l1_loss(input, target, self.reduction)


class HuberLoss(_Loss):
    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        if not delta > 0:
            raise ValueError(f"HuberLoss: delta must be positive, got {delta}")
        self.delta = delta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return huber_loss(input, target, self.reduction, self.delta)

    def extra_repr(self) -> str:
        settings = [super().extra_repr()] + ([f"delta={self.delta}"] if self.delta != 1.0 else [])
        return ", ".join(s for s in settings if s)


class SmoothL1Loss(_Loss):
    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        if not beta >= 0:
            raise ValueError(f"SmoothL1Loss: beta must be >= 0, got {beta}")
        self.beta = beta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return smooth_l1_loss(input, target, self.reduction, self.beta)

    def extra_repr(self) -> str:
        settings = [super().extra_repr()] + ([f"beta={self.beta}"] if self.beta != 1.0 else [])
        return ", ".join(s for s in settings if s)


class KLDivLoss(Module):
    """kl_div as a module: KLDivLoss(reduction="batchmean")(log_probs, target_probs)."""

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        _check_kl_reduction("KLDivLoss", reduction)
        self.reduction, self.log_target = reduction, log_target

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return kl_div(input, target, self.reduction, self.log_target)

    def extra_repr(self) -> str:
        settings = [f"reduction={self.reduction!r}"] if self.reduction != "mean" else []
        return ", ".join(settings + (["log_target=True"] if self.log_target else []))


class BCELoss(_WeightedLoss):
    def forward(self, input: Tensor, target: Any) -> Tensor:
        return binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(weight, reduction)
        _optional_buffer(self, "pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return binary_cross_entropy_with_logits(
            input, target, self.weight, self.reduction, self.pos_weight
        )


class NLLLoss(_WeightedLoss):
    def __init__(self, weight: Any = None, reduction: str = "mean", ignore_index: int = -100):
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return nll_loss(input, target, self.weight, self.reduction, self.ignore_index)

    def extra_repr(self) -> str:
        settings = [super().extra_repr()]
        settings += [f"ignore_index={self.ignore_index}"] if self.ignore_index != -100 else []
        return ", ".join(s for s in settings if s)


class CrossEntropyLoss(NLLLoss):
    def __init__(
        self,
        weight: Any = None,
        reduction: str = "mean",
        ignore_index: int = -100,
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, reduction, ignore_index)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(
                f"CrossEntropyLoss: label_smoothing must be between 0 and 1, got {label_smoothing}"
            )
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return cross_entropy(
            input, target, self.weight, self.reduction, self.label_smoothing, self.ignore_index
        )

    def extra_repr(self) -> str:
        settings = [super().extra_repr()]
        settings += [f"label_smoothing={self.label_smoothing}"] if self.label_smoothing else []
        return ", ".join(s for s in settings if s)


# --- helpers ------------------------------------------------------------------------------------


def _check_reduction(op: str, reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _check_kl_reduction(op: str, reduction: str) -> None:
    if reduction not in (*REDUCTIONS, "batchmean"):
        raise ValueError(
            f"{op}: reduction must be 'mean', 'batchmean', 'sum' or 'none', got {reduction!r}"
        )


def _reduce(loss: Tensor, reduction: str, total: Any = None) -> Tensor:
    """Mean (over `total`, when given, else the element count), sum, or the losses themselves."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / total if total is not None else loss.mean()


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


def _target_like(op: str, input: Tensor, target: Any) -> Tensor:
    """target as a Tensor of input's shape and dtype (an integer target is cast to input's)."""
    target = _as_tensor(target)
    if target.shape != input.shape:
        raise ValueError(
            f"{op}: input shape {input.shape} and target shape {target.shape} must be equal"
        )
    return target if target.dtype == input.dtype else target.astype(input.dtype)


def _weight_like(op: str, name: str, input: Tensor, weight: Any) -> Tensor:
    """A weight that broadcasts to input's shape, in input's dtype."""
    weight = _as_tensor(weight)
    if np.broadcast_shapes(weight.shape, input.shape) != input.shape:
        raise ValueError(
            f"{op}: {name} of shape {weight.shape} does not broadcast to input shape {input.shape}"
        )
    return weight if weight.dtype == input.dtype else weight.astype(input.dtype)


def _clamped_log(x: Tensor) -> Tensor:
    """log(x), but BCE_LOG_MIN (with no gradient) where log(x) would be lower, as at x = 0.

    log is taken only where it is kept, so its gradient 1/x is never 0 * inf = nan at x = 0.
    """
    with np.errstate(divide="ignore"):
        kept = np.log(x.data) > BCE_LOG_MIN
    return x.where(kept, 1.0).log().where(kept, BCE_LOG_MIN)


def _batch(op: str, input: Tensor, target: Any) -> tuple[Tensor, np.ndarray, bool]:
    """(input as (N, C), target's array with a batch axis, whether input had one)."""
    labels = np.asarray(target.data if isinstance(target, Tensor) else target)
    if labels.dtype.kind not in "iuf":
        raise TypeError(f"{op}: target must be integer class indices or float probabilities")
    if input.ndim == 2:
        return input, labels, True
    if input.ndim == 1:
        return input.reshape(1, -1), labels.reshape(1, *labels.shape), False
    raise ValueError(f"{op}: expected input of shape (N, C) or (C,), got {input.shape}")


def _unbatch(loss: Tensor, reduction: str, batched: bool) -> Tensor:
    """The per-sample losses of an unbatched input as a 0-d tensor."""
    return loss if batched or reduction != "none" else loss.reshape(())


def _class_indices(
    op: str, x: Tensor, labels: np.ndarray, ignore_index: int
) -> tuple[np.ndarray, np.ndarray]:
    """(indices with ignored ones replaced by 0, boolean mask of the samples that count)."""
    n, num_classes = x.shape
    if labels.shape != (n,):
        raise ValueError(
            f"{op}: class-index target must have shape ({n},) for input {x.shape}, "
            f"got {labels.shape}"
        )
    if n:  # the common case, every sample counted and in range, told by two reductions
        lo, hi = labels.min(), labels.max()
        if lo >= 0 and hi < num_classes and not lo <= ignore_index <= hi:
            return labels.astype(np.intp, copy=False), np.ones(n, bool)
    counts = labels != ignore_index
    bad = counts & ((labels < 0) | (labels >= num_classes))
    if bad.any():
        raise IndexError(
            f"{op}: target {labels[bad][0]} is out of bounds for {num_classes} classes"
        )
    return np.where(counts, labels, 0).astype(np.intp), counts


def _class_weight(op: str, x: Tensor, weight: Any) -> Tensor | None:
    """weight (C,) as a Tensor in x's dtype, or None."""
    if weight is None:
        return None
    weight = _as_tensor(weight)
    if weight.shape != (x.shape[1],):
        raise ValueError(
            f"{op}: weight must have shape ({x.shape[1]},), one per class, got {weight.shape}"
        )
    return weight if weight.dtype == x.dtype else weight.astype(x.dtype)


def _nll(
    logp: Tensor, index: np.ndarray, counts: np.ndarray, class_weight: Tensor | None
) -> tuple[Tensor, Tensor]:
    """(per-sample -weight[t] * logp[n, t], 0 where ignored; the weight of the counted ones)."""
    picked = logp[np.arange(len(index)), index].where(counts, 0.0)  # (N,); ignored: 0
    if class_weight is None:
        sample_weight = Tensor(counts.astype(logp.dtype))
    else:
        sample_weight = class_weight[index].where(counts, 0.0)
    return -(sample_weight * picked), sample_weight.sum()


def _all_values(params: list) -> bool:
    """True for a non-empty list of scalar Values (the penalties then stay in that engine)."""
    return bool(params) and all(isinstance(p, Value) for p in params)


def _sum_over(terms: Iterable[Tensor]) -> Tensor:
    total = Tensor(np.zeros((), np.float32))
    for term in terms:
        total = total + term
    return total


def _optional_buffer(module: Module, name: str, value: Any) -> None:
    """register_buffer(name, value as a Tensor), or the attribute None (no state) for None."""
    if value is None:
        setattr(module, name, None)
    else:
        module.register_buffer(name, _as_tensor(value))
