"""Bad input at every public entry point: the right exception class, a message that names the
problem, and nothing changed by the failed call.

One table, one test. A row says how to build what the call works on (`make`: a model, an
optimizer, tensors, files under tmp_path), the bad call, the exception class and a regex its
message must match, and, for calls that have state, what must be unchanged afterwards (`state`:
compared deep, arrays byte for byte, before and after the call).

The classes follow README and Python: TypeError for types, ValueError for values and shapes,
IndexError for indices, RuntimeError for graph misuse and for load_state_dict (documented),
FileNotFoundError for a missing file, OSError for a path that cannot be written. The command
line exits with 2 on a bad flag (argparse's usage error) and prints one error line on stderr.

Already pinned elsewhere, so not repeated here:
- tensor shape and axis errors (add, mul, matmul, sum, reshape, permute, stack, concat of
  different sizes, max of an empty axis, getitem), non-real data, requires_grad on integer
  dtypes, backward without a gradient / twice / without requires_grad: tests/test_tensor.py;
- Value operand types and domains: tests/test_value.py;
- optimizer hyperparameters (negative lr, bad betas, no parameters, a parameter twice) and
  mismatched optimizer states: tests/test_optim.py;
- every scheduler argument (bad T_max, unsorted milestones, OneCycleLR without momentum on a
  stand-in optimizer, stepping past total_steps): tests/test_lr_scheduler.py;
- checkpoints: pickles, object arrays, junk bytes, a bare .npy, wrong keys and shapes into
  load_state_dict (model unchanged), a crash during save: tests/test_checkpoint.py;
- DataLoader batch_size and dataset types, TensorDataset lengths, load_idx, load_digits:
  tests/test_data.py; fit's epochs, clip_grad_norm <= 0, metric names, loaders, EarlyStopping:
  tests/test_training.py; draw_graph's rankdir/show/max_nodes/model, viz.save's suffix:
  tests/test_viz.py; bad expressions and flags of the command line: tests/test_cli.py.

Documented behaviour that is not an error, so not in the table:
- `Tensor(np.arange(3), requires_grad=True)` is float32 (integer arrays become float32 unless
  `dtype=` says otherwise); only an explicit integer dtype refuses requires_grad.
- NaN in the data: DataLoader does not look at values; fit stops with TrainingDiverged naming
  the NaN in the batch before any update (tests/test_training.py). NaN logits give NaN losses.
- Reductions over an empty axis give torch's answers (sum 0, logsumexp -inf, mean nan), not an
  error; max, min and argmax of nothing raise.
- A read-only folder for nn.save is not tried: these tests may run as root, who can write there.
"""

import contextlib
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import nn
import nn.functional as F
import optim
from autograd import Tensor, Value, concat, from_dlpack, grad, ones, where, zeros
from nn.utils import clip_grad_norm_
from optim.lr_scheduler import CosineAnnealingLR, MultiStepLR, OneCycleLR, ReduceLROnPlateau
from tracegrad.cli import main
from training import History
from training import fit as fit_loop
from viz import draw_graph, save

X = np.random.default_rng(0).standard_normal((20, 2)).astype(np.float32)
Y = (X[:, 0] > 0).astype(np.int64)


# --- what the cases work on -----------------------------------------------------------------------


def mlp(seed: int = 0) -> nn.Sequential:
    """2 -> 3 -> ReLU -> 2; state-dict keys 0.weight, 0.bias, 2.weight, 2.bias."""
    return nn.Sequential(
        nn.Linear(2, 3, generator=seed), nn.ReLU(), nn.Linear(3, 2, generator=seed + 1)
    )


def leaf(*values: float, dtype: Any = np.float64) -> Tensor:
    return Tensor(np.array(values, dtype), requires_grad=True)


def nothing(tmp: Path) -> SimpleNamespace:
    return SimpleNamespace(tmp=tmp)


def two_elements(tmp: Path) -> SimpleNamespace:
    return SimpleNamespace(x=leaf(1.0, 2.0))


def generator(tmp: Path) -> SimpleNamespace:
    return SimpleNamespace(rng=np.random.default_rng(0))


def training(tmp: Path) -> SimpleNamespace:
    """A model, its SGD optimizer and a loader, for fit and the optimizer cases."""
    model = mlp()
    loader = nn.DataLoader(nn.TensorDataset(X, Y), batch_size=10)
    return SimpleNamespace(model=model, opt=optim.SGD(model.parameters(), lr=0.1), loader=loader)


def training_state(w: SimpleNamespace) -> tuple:
    return w.model.state_dict(), w.model.training, w.opt.param_groups, w.opt.state


def fit(w: SimpleNamespace, **changes: Any) -> History:
    """nn.fit on `training`'s objects, quietly, with `changes` to its arguments."""
    arguments = dict(model=w.model, loss_fn=nn.CrossEntropyLoss(), optimizer=w.opt,
                     train_loader=w.loader, progress=False)  # fmt: skip
    return fit_loop(**{**arguments, **changes})


def parameter_with_grad(tmp: Path, grad_shape: tuple[int, ...] = (3,)) -> SimpleNamespace:
    """A float32 parameter of shape (3,) whose gradient has `grad_shape`."""
    p = nn.Parameter(np.zeros(3, np.float32))
    p.grad = Tensor(np.ones(grad_shape, np.float32))
    return SimpleNamespace(p=p)


def optimizer_with(cls: type, grad_shape: tuple[int, ...], **hyper: Any) -> Callable:
    def make(tmp: Path) -> SimpleNamespace:
        w = parameter_with_grad(tmp, grad_shape)
        w.opt = cls([w.p], lr=0.1, **hyper)
        return w

    return make


def sgd_optimizer(tmp: Path, cls: type = optim.SGD, **hyper: Any) -> SimpleNamespace:
    return SimpleNamespace(opt=cls([nn.Parameter(np.zeros(2))], lr=0.1, **hyper))


def stepped_one_cycle(tmp: Path) -> SimpleNamespace:
    w = sgd_optimizer(tmp, momentum=0.9)
    w.scheduler = OneCycleLR(w.opt, max_lr=1.0, total_steps=3)
    for _ in range(3):
        w.scheduler.step()
    return w


def plateau(tmp: Path) -> SimpleNamespace:
    w = sgd_optimizer(tmp)
    w.scheduler = ReduceLROnPlateau(w.opt)
    w.scheduler.step(1.0)
    return w


def backpropagated(tmp: Path) -> SimpleNamespace:
    """x -> a = 3x -> y = sum(a), after y.backward()."""
    x = leaf(1.0, 2.0)
    a = x * 3.0
    y = a.sum()
    y.backward()
    return SimpleNamespace(x=x, a=a, y=y)


def reused_after_backward(tmp: Path) -> SimpleNamespace:
    """a = exp(x) backpropagated once; then c = sum(a * w), a new graph through a's freed one."""
    x, w = leaf(1.0, 2.0), leaf(3.0, 4.0)
    a = x.exp()
    a.sum().backward()
    return SimpleNamespace(x=x, w=w, c=(a * w).sum())


def value_backpropagated(tmp: Path) -> SimpleNamespace:
    """f = x * y + x over Values, after f.backward()."""
    x, y = Value(2.0), Value(-3.0)
    q = x * y
    f = q + x
    f.backward()
    return SimpleNamespace(x=x, y=y, q=q, f=f)


def non_scalar(tmp: Path) -> SimpleNamespace:
    """y = 2x, two elements; x already has a gradient from an earlier backward."""
    x = leaf(1.0, 2.0)
    (x * x).sum().backward()
    return SimpleNamespace(x=x, y=x * 2.0)


def state_dict_with(key: str, value: Any) -> Callable:
    """A model and another model's state dict with `key` replaced by `value`."""

    def make(tmp: Path) -> SimpleNamespace:
        state = mlp(seed=5).state_dict()
        state[key] = value
        return SimpleNamespace(model=mlp(), state=state)

    return make


def checkpoint_file(edit: Callable[[bytes, nn.Module], bytes]) -> Callable:
    """tmp/m.npz holding edit(the bytes of a saved model, the model)."""

    def make(tmp: Path) -> SimpleNamespace:
        model = mlp()
        path = nn.save(model, tmp / "m.npz")
        path.write_bytes(edit(path.read_bytes(), model))
        return SimpleNamespace(tmp=tmp, path=path)

    return make


def flip_a_weight_byte(raw: bytes, model: nn.Module) -> bytes:
    """One byte of 0.weight's values inverted: the archive's CRC no longer matches."""
    at = raw.index(model.state_dict()["0.weight"].tobytes()) + 5
    return raw[:at] + bytes([raw[at] ^ 0xFF]) + raw[at + 1 :]


def unknown_compression(raw: bytes, model: nn.Module) -> bytes:
    """The first member's compression method, in the zip's central directory, set to 99 (AES)."""
    at = raw.index(b"PK\x01\x02") + 10
    return raw[:at] + (99).to_bytes(2, "little") + raw[at + 2 :]


def zip_with(member: str, content: str) -> Callable:
    def make(tmp: Path) -> SimpleNamespace:
        path = tmp / "z.npz"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(member, content)
        return SimpleNamespace(path=path)

    return make


def with_entry(name: str, folder: bool = False) -> Callable:
    """tmp with a file (or an empty folder) called `name` in it."""

    def make(tmp: Path) -> SimpleNamespace:
        if folder:
            (tmp / name).mkdir()
        else:
            (tmp / name).write_text("not a folder")
        return SimpleNamespace(tmp=tmp)

    return make


def a_graph(tmp: Path) -> SimpleNamespace:
    x = leaf(1.0)
    y = (x * 2.0).sum()
    y.backward()
    return SimpleNamespace(tmp=tmp, graph=draw_graph(y))


def history(tmp: Path) -> SimpleNamespace:
    h = History()
    h.log_epoch(epoch=1, loss=0.5, val_loss=0.6)
    return SimpleNamespace(history=h)


class CliExit(Exception):
    """`tracegrad` ended with a non-zero exit code; the message is "exit <code>: <stderr>"."""


def cli(*argv: str) -> None:
    """Run `tracegrad argv`; CliExit unless it exits with 0. A traceback propagates as is."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(list(argv))
        except SystemExit as exit_:
            code = exit_.code
    if code:
        raise CliExit(f"exit {code}: {err.getvalue()}")


def small_run(w: SimpleNamespace, *flags: str) -> None:
    """`tracegrad train` on 20 points for 2 epochs into tmp, with `flags`."""
    cli("train", "--samples", "20", "--epochs", "2", "--hidden", "4", "--out", str(w.tmp), *flags)


# --- the table ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    call: Callable[[SimpleNamespace], object]  # the bad call, on what `make` built
    error: type[BaseException]
    match: str  # re.search'ed in str(exception)
    make: Callable[[Path], SimpleNamespace] = nothing
    state: Callable[[SimpleNamespace], Any] | None = None  # what the call must leave unchanged


def files(w: SimpleNamespace) -> Path:
    """tmp_path: `frozen` reads every file and folder under it."""
    return w.tmp


CASES = [
    # --- autograd.Tensor: types and dtypes
    Case(
        "tensor_plus_list_of_strings",
        lambda w: w.x + ["a", "b"],  # noqa: RUF005  (a Tensor plus a list, on purpose)
        TypeError,
        r"<U1",
        two_elements,
        lambda w: w.x,
    ),
    Case("tensor_of_none", lambda w: Tensor(None), TypeError, r"real numbers, got object"),
    Case("tensor_matmul_string", lambda w: ones(2) @ "a", TypeError, r"matmul: .*\bstr\b"),
    Case("tensor_plus_value", lambda w: ones(2) + Value(1.0), TypeError, r"add: .*\bValue\b"),
    Case(
        "tensor_times_numpy_complex",
        lambda w: w.x * np.complex128(1 + 2j),
        TypeError,
        r"complex",
        two_elements,
        lambda w: w.x,
    ),
    Case("tensor_astype_complex", lambda w: ones(2).astype(np.complex64), TypeError, r"complex64"),
    Case(
        "requires_grad_on_int64",
        lambda w: w.t.requires_grad_(),
        TypeError,
        r"only floating-point .* int64",
        lambda tmp: SimpleNamespace(t=Tensor(np.arange(3), dtype=np.int64)),
        lambda w: (w.t.requires_grad, w.t),
    ),
    Case(
        "int64_parameter",
        lambda w: nn.Parameter(np.arange(3), dtype=np.int64),
        TypeError,
        r"only floating-point .* int64",
    ),
    Case("from_dlpack_of_a_string", lambda w: from_dlpack("x"), TypeError, r"from_dlpack.*\bstr\b"),
    Case("zeros_of_a_negative_size", lambda w: zeros(-1), ValueError, r"negative dimensions"),
    # --- autograd.Value
    Case("value_plus_tensor", lambda w: Value(1.0) + ones(1), TypeError, r"add: .*\bTensor\b"),
    Case("value_of_numpy_complex", lambda w: Value(np.complex128(1j)), TypeError, r"complex128"),
    Case(
        "value_dot_tensor",
        lambda w: Value.dot([Value(1.0)], [ones(1)]),
        TypeError,
        r"dot: .*\bTensor\b",
    ),
    # --- shapes
    Case(
        "linear_layer_wrong_in_features",
        lambda w: nn.Linear(3, 2)(ones(4, 5)),
        ValueError,
        re.escape("linear: input (4, 5), weight (2, 3), bias (2,)"),
    ),
    Case(
        "where_not_broadcastable",
        lambda w: where(np.array([True, False, True]), ones(4), 0.0),
        ValueError,
        re.escape("where: shapes (3,) and (4,)"),
    ),
    Case(
        "maximum_not_broadcastable",
        lambda w: ones(3).maximum(ones(4)),
        ValueError,
        re.escape("maximum: shapes (3,) and (4,) do not broadcast"),
    ),
    Case(
        "expand_to_a_wrong_size",
        lambda w: ones(3).expand(2, 4),
        ValueError,
        re.escape("cannot broadcast (3,) to (2, 4)"),
    ),
    Case(
        "reshape_minus_one_to_a_wrong_size",
        lambda w: ones(2, 3).reshape(-1, 4),
        ValueError,
        re.escape("reshape: cannot reshape (2, 3) (6 elements) into (-1, 4)"),
    ),
    Case(
        "concat_of_different_ndims",
        lambda w: concat([ones(2, 3), ones(3)]),
        ValueError,
        re.escape("concat: shapes (2, 3), (3,)"),
    ),
    Case(
        "concat_axis_out_of_range",
        lambda w: concat([ones(2, 3), ones(2, 3)], axis=2),
        ValueError,
        re.escape("concat: axis 2 out of range for a 2-d tensor"),
    ),
    Case(
        "transpose_axis_out_of_range",
        lambda w: ones(2, 3).transpose(0, 5),
        ValueError,
        re.escape("transpose: axis 5 out of range for a 2-d tensor"),
    ),
    Case(
        "argmax_axis_out_of_range",
        lambda w: ones(2, 3).argmax(axis=3),
        ValueError,
        re.escape("argmax: axis 3 out of range for a 2-d tensor"),
    ),
    Case(
        "getitem_integer_array_out_of_range",
        lambda w: ones(2, 3)[np.array([0, 3])],
        IndexError,
        r"index 3 is out of bounds .*\(2, 3\)",
    ),
    Case(
        "getitem_boolean_mask_of_a_wrong_length",
        lambda w: ones(2, 3)[np.array([1, 0, 1], bool)],
        IndexError,
        r"boolean index .*\(2, 3\)",
    ),
    # --- empty tensors
    Case(
        "min_of_an_empty_axis",
        lambda w: zeros(2, 0).min(axis=1),
        ValueError,
        r"^min: .*empty axis .*\(2, 0\)",
    ),
    Case("argmax_of_nothing", lambda w: zeros(0).argmax(), ValueError, r"argmax.*empty"),
    # --- losses: targets
    Case(
        "mse_loss_column_against_row",
        lambda w: F.mse_loss(zeros(4, 1), np.zeros(4)),
        ValueError,
        re.escape("mse_loss: input shape (4, 1) and target shape (4,) must be equal"),
    ),
    Case(
        "bce_with_logits_row_against_column",
        lambda w: F.binary_cross_entropy_with_logits(zeros(4), np.zeros((4, 1))),
        ValueError,
        r"input shape \(4,\) and target shape \(4, 1\)",
    ),
    Case(
        "cross_entropy_target_column",
        lambda w: F.cross_entropy(ones(2, 3), np.zeros((2, 1), int)),
        ValueError,
        r"target must have shape \(2,\) .* got \(2, 1\)",
    ),
    Case(
        "cross_entropy_target_out_of_range",
        lambda w: nn.CrossEntropyLoss()(ones(2, 3), np.array([0, 3])),
        IndexError,
        r"target 3 is out of bounds for 3 classes",
    ),
    Case(
        "cross_entropy_target_strings",
        lambda w: F.cross_entropy(ones(2, 3), ["a", "b"]),
        TypeError,
        r"cross_entropy: target must be integer class indices",
    ),
    Case(
        "nll_loss_float_target",
        lambda w: F.nll_loss(ones(2, 3), np.zeros(2)),
        TypeError,
        r"nll_loss: target must hold class indices",
    ),
    Case(
        "bce_of_a_nan_probability",  # torch: "all elements of input should be between 0 and 1"
        lambda w: F.binary_cross_entropy(Tensor([np.nan, 0.5]), [1.0, 0.0]),
        ValueError,
        r"binary_cross_entropy: .*\[0, 1\]",
    ),
    # --- nn modules
    Case(
        "sequential_of_a_string",
        lambda w: nn.Sequential(nn.Linear(2, 2), "relu"),
        TypeError,
        r"Sequential: .*\bstr\b",
    ),
    # --- backward and autograd.grad
    Case(
        "backward_twice",
        lambda w: w.y.backward(),
        RuntimeError,
        r"retain_graph",
        backpropagated,
        lambda w: (w.x, w.a, w.y),
    ),
    Case(
        "backward_into_a_freed_graph",
        lambda w: w.c.backward(),
        RuntimeError,
        r"retain_graph",
        reused_after_backward,
        lambda w: (w.x, w.w),
    ),
    Case(
        "value_backward_twice",
        lambda w: w.f.backward(),
        RuntimeError,
        r"retain_graph",
        value_backpropagated,
        lambda w: (w.x, w.y, w.q, w.f),
    ),
    Case(
        "backward_of_a_non_scalar",
        lambda w: w.y.backward(),
        RuntimeError,
        r"one element",
        non_scalar,
        lambda w: (w.x, w.y),
    ),
    Case(
        "grad_of_a_non_scalar",
        lambda w: grad(w.y, [w.x]),
        RuntimeError,
        r"one element",
        non_scalar,
        lambda w: (w.x, w.y),
    ),
    # --- optim
    Case(
        "optimizer_of_strings",
        lambda w: optim.SGD(["a", "b"], lr=0.1),
        TypeError,
        r"SGD: .*\bstr\b",
    ),
    Case(
        "optimizer_of_a_model", lambda w: optim.SGD(mlp(), lr=0.1), TypeError, r"SGD: .*Sequential"
    ),
    Case(
        "optimizer_lr_string",
        lambda w: optim.SGD(mlp().parameters(), lr="0.1"),
        TypeError,
        r"lr .*'0\.1'",
    ),
    Case(
        "adam_one_beta",
        lambda w: optim.Adam(mlp().parameters(), betas=(0.9,)),
        ValueError,
        r"betas .*\(0\.9,\)",
    ),
    Case(
        "add_param_group_negative_lr",
        lambda w: w.opt.add_param_group({"params": [nn.Parameter(np.zeros(1))], "lr": -1.0}),
        ValueError,
        r"lr must be >= 0, got -1\.0",
        sgd_optimizer,
        lambda w: w.opt.param_groups,
    ),
    *[
        Case(
            f"{name}_step_gradient_of_a_wrong_shape",
            lambda w: w.opt.step(),
            ValueError,
            r"\(1,\).*\(3,\)|\(3,\).*\(1,\)",
            optimizer_with(kind, (1,)),
            lambda w: (w.p, w.opt.state),
        )
        for name, kind in (("sgd", optim.SGD), ("adam", optim.Adam))
    ],
    # --- gradient clipping
    Case(
        "clip_grad_norm_negative_max_norm",
        lambda w: clip_grad_norm_([w.p], -1.0),
        ValueError,
        r"max_norm .*-1\.0",
        parameter_with_grad,
        lambda w: w.p,
    ),
    Case(
        "clip_grad_norm_nan_max_norm",
        lambda w: clip_grad_norm_([w.p], float("nan")),
        ValueError,
        r"max_norm .*nan",
        parameter_with_grad,
        lambda w: w.p,
    ),
    Case(
        "clip_grad_norm_of_a_model",
        lambda w: clip_grad_norm_(mlp(), 1.0),
        TypeError,
        r"clip_grad_norm_: .*Sequential",
    ),
    # --- schedulers, on real optimizers: the optimizer is left as it was
    Case(
        "one_cycle_momentum_on_adagrad",
        lambda w: OneCycleLR(w.opt, 1.0, total_steps=10),
        ValueError,
        r"cycle_momentum=True needs .* Adagrad has neither",
        lambda tmp: sgd_optimizer(tmp, optim.Adagrad),
        lambda w: w.opt.param_groups,
    ),
    Case(
        "one_cycle_step_past_total_steps",
        lambda w: w.scheduler.step(),
        ValueError,
        r"tried to step 4 times, but total_steps is 3",
        stepped_one_cycle,
        lambda w: (w.opt.param_groups, w.scheduler.state_dict()),
    ),
    Case(
        "cosine_negative_T_max",
        lambda w: CosineAnnealingLR(w.opt, T_max=-5),
        ValueError,
        r"CosineAnnealingLR: T_max must be >= 1, got -5",
        sgd_optimizer,
        lambda w: w.opt.param_groups,
    ),
    Case(
        "multistep_milestones_unsorted",
        lambda w: MultiStepLR(w.opt, [5, 3]),
        ValueError,
        r"milestones must increase, got \[5, 3\]",
        sgd_optimizer,
        lambda w: w.opt.param_groups,
    ),
    Case(
        "plateau_metric_not_a_number",
        lambda w: w.scheduler.step("abc"),
        ValueError,
        r"'abc'",
        plateau,
        lambda w: (w.opt.param_groups, w.scheduler.state_dict()),
    ),
    # --- checkpoints: nn.load, load_state_dict, nn.save
    Case(
        "load_a_truncated_checkpoint",
        lambda w: nn.load(w.path),
        ValueError,
        r"m\.npz is not a checkpoint",
        checkpoint_file(lambda raw, m: raw[: len(raw) // 2]),
    ),
    Case(
        "load_a_corrupted_checkpoint",
        lambda w: nn.load(w.path),
        ValueError,
        r"m\.npz is not a checkpoint",
        checkpoint_file(flip_a_weight_byte),
    ),
    Case(
        "load_a_checkpoint_with_an_unknown_compression",
        lambda w: nn.load(w.path),
        ValueError,
        r"m\.npz is not a checkpoint",
        checkpoint_file(unknown_compression),
    ),
    Case(
        "load_a_zip_of_text",
        lambda w: nn.load(w.path),
        ValueError,
        r"z\.npz is not a checkpoint",
        zip_with("notes.txt", "hello"),
    ),
    Case(
        "load_a_zip_with_a_broken_array",
        lambda w: nn.load(w.path),
        ValueError,
        r"z\.npz is not a checkpoint",
        zip_with("w.npy", "not an array"),
    ),
    Case(
        "load_a_missing_file",
        lambda w: nn.load(w.tmp / "nope.npz"),
        FileNotFoundError,
        r"nope\.npz",
    ),
    Case(
        "load_state_dict_strings_in_a_later_key",
        lambda w: w.model.load_state_dict(w.state),
        RuntimeError,
        r"2\.bias",
        state_dict_with("2.bias", np.array(["a", "b"])),
        lambda w: w.model.state_dict(),
    ),
    Case(
        "load_state_dict_complex_values",
        lambda w: w.model.load_state_dict(w.state),
        RuntimeError,
        r"2\.bias",
        state_dict_with("2.bias", np.array([1 + 1j, 2j])),
        lambda w: w.model.state_dict(),
    ),
    Case(
        "load_state_dict_of_a_path",
        lambda w: w.model.load_state_dict("model.npz"),
        TypeError,
        r"load_state_dict.*\bstr\b",
        training,
        lambda w: w.model.state_dict(),
    ),
    Case(
        "save_under_a_file",
        lambda w: nn.save(mlp(), w.tmp / "afile" / "m.npz"),
        OSError,
        r"afile",
        with_entry("afile"),
        files,
    ),
    Case(
        "save_onto_a_folder",
        lambda w: nn.save(mlp(), w.tmp / "adir"),
        OSError,
        r"adir",
        with_entry("adir", folder=True),
        files,
    ),
    Case(
        "save_a_string",
        lambda w: nn.save("model", w.tmp / "m.npz"),
        TypeError,
        r"save: .*\bstr\b",
        nothing,
        files,
    ),
    Case(
        "save_string_values",
        lambda w: nn.save({"w": np.array(["a"])}, w.tmp / "m.npz"),
        TypeError,
        r"'w' is not a numeric array",
        nothing,
        files,
    ),
    # --- data
    Case(
        "loader_batch_size_0_leaves_the_generator",
        lambda w: nn.DataLoader(nn.TensorDataset(X, Y), 0, shuffle=True, generator=w.rng),
        ValueError,
        r"batch_size must be >= 1, got 0",
        generator,
        lambda w: w.rng.bit_generator.state,
    ),
    Case(
        "history_series_of_an_unknown_name",
        lambda w: w.history.series("val_los"),
        ValueError,
        r"'val_los'",
        history,
    ),
    # --- nn.fit: every argument is checked before the first step changes anything
    Case(
        "fit_scheduler_a_string",
        lambda w: fit(w, scheduler="cosine"),
        TypeError,
        r"fit: scheduler",
        training,
        training_state,
    ),
    Case(
        "fit_early_stopping_an_int",
        lambda w: fit(w, early_stopping=5),
        TypeError,
        r"fit: early_stopping",
        training,
        training_state,
    ),
    Case(
        "fit_callback_not_callable",
        lambda w: fit(w, callbacks=[1]),
        TypeError,
        r"fit: callbacks",
        training,
        training_state,
    ),
    Case(
        "fit_metric_not_callable",
        lambda w: fit(w, metrics={"acc": 5}),
        TypeError,
        r"fit: metric 'acc'",
        training,
        training_state,
    ),
    Case(
        "fit_optimizer_a_list",
        lambda w: fit(w, optimizer=w.model.parameters()),
        TypeError,
        r"fit: optimizer",
        training,
        training_state,
    ),
    Case(
        "fit_model_a_function",
        lambda w: fit(w, model=lambda x: x),
        TypeError,
        r"fit: model",
        training,
        training_state,
    ),
    Case(
        "fit_loss_fn_a_string",
        lambda w: fit(w, loss_fn="cross_entropy"),
        TypeError,
        r"fit: loss_fn",
        training,
        training_state,
    ),
    Case(
        "fit_clip_grad_norm_a_string",
        lambda w: fit(w, clip_grad_norm="1"),
        TypeError,
        r"fit: clip_grad_norm",
        training,
        training_state,
    ),
    # --- viz
    Case("draw_graph_of_none", lambda w: draw_graph(None), TypeError, r"draw_graph: .*NoneType"),
    Case(
        "draw_graph_of_an_array",
        lambda w: draw_graph(np.zeros(3)),
        TypeError,
        r"draw_graph: .*ndarray",
    ),
    Case(
        "save_graph_without_a_suffix",
        lambda w: save(w.graph, w.tmp / "graph"),
        ValueError,
        r"graph must end in \.svg, \.png or \.dot",
        a_graph,
        files,
    ),
    Case(
        "save_a_string_as_a_graph",
        lambda w: save("digraph {}", w.tmp / "g.dot"),
        TypeError,
        r"save: .*\bstr\b",
        nothing,
        files,
    ),
    # --- the command line: exit 2 and a message on stderr, no traceback, nothing written
    Case(
        "cli_graph_output_pdf",
        lambda w: cli("graph", "x", "--var", "x=1", "-o", str(w.tmp / "g.pdf")),
        CliExit,
        r"(?s)^exit 2: .*g\.pdf",
        nothing,
        files,
    ),
    Case(
        "cli_graph_without_expression",
        lambda w: cli("graph"),
        CliExit,
        r"(?s)^exit 2: .*required: expression",
        nothing,
        files,
    ),
    Case(
        "cli_train_hidden_without_sizes",
        lambda w: small_run(w, "--hidden"),
        CliExit,
        r"(?s)^exit 2: .*--hidden: expected at least one argument",
        nothing,
        files,
    ),
    Case(
        "cli_train_lr_inf",
        lambda w: small_run(w, "--lr", "inf"),
        CliExit,
        r"(?s)^exit 2: .*--lr.*inf",
        nothing,
        files,
    ),
    Case(
        "cli_train_negative_seed",
        lambda w: small_run(w, "--seed", "-1"),
        CliExit,
        r"(?s)^exit 2: .*seed",
        nothing,
        files,
    ),
    Case(
        "cli_train_too_few_samples",
        lambda w: small_run(w, "--engine", "tensor", "--samples", "1"),
        CliExit,
        r"(?s)^exit 2: .*samples",
        nothing,
        files,
    ),
    # a run that diverges is not a usage error: a one-line failure (exit 1 or 2), no traceback
    Case(
        "cli_train_diverges",
        lambda w: small_run(w, "--engine", "tensor", "--lr", "1e30"),
        CliExit,
        r"(?s)^exit [12]: tracegrad train: error: .*diverged",
        nothing,
        files,
    ),
]


def frozen(x: Any) -> Any:
    """A deep copy of `x` that compares with ==: arrays as (dtype, shape, bytes), so NaN == NaN;
    a Path as every file and folder under it, with the files' bytes."""
    if isinstance(x, (np.ndarray, np.generic)):
        return ("array", x.dtype.str, x.shape, np.ascontiguousarray(x).tobytes())
    if isinstance(x, Tensor):
        return ("Tensor", frozen(x.data), frozen(x.grad), x.requires_grad)
    if isinstance(x, Value):
        return ("Value", x.data, x.grad)
    if isinstance(x, dict):
        return tuple((frozen(k), frozen(v)) for k, v in x.items())
    if isinstance(x, (list, tuple)):
        return tuple(frozen(v) for v in x)
    if isinstance(x, Path):
        entries = sorted(x.rglob("*"))
        return tuple((str(p.relative_to(x)), p.is_file() and p.read_bytes()) for p in entries)
    return x


def differences(before: Any, after: Any, where: str = "state") -> list[str]:
    """Where two frozen states differ, as index paths: state[1][2] is the grad of the second."""
    if before == after:
        return []
    if isinstance(before, tuple) and isinstance(after, tuple) and len(before) == len(after):
        return [
            d
            for i, (b, a) in enumerate(zip(before, after, strict=True))
            for d in differences(b, a, f"{where}[{i}]")
        ]
    return [where]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_raises_a_named_error_and_changes_nothing(case, tmp_path):
    world = case.make(tmp_path)
    before = None if case.state is None else frozen(case.state(world))
    with pytest.raises(case.error, match=case.match):
        case.call(world)
    if case.state is not None:
        after = frozen(case.state(world))
        assert after == before, f"the failed call changed {differences(before, after)}"
