"""History: records in, series, dict and CSV out."""

import csv

import numpy as np
import pytest

from training import History


def two_epochs() -> History:
    history = History()
    history.log_epoch(epoch=1, loss=0.9, lr=0.1)
    history.log_epoch(epoch=2, loss=np.float32(0.5), val_loss=0.7, lr=0.05)
    history.log_step(step=1, loss=1.0)
    return history


def test_series_are_arrays_with_nan_where_a_record_lacks_the_name():
    history = two_epochs()
    np.testing.assert_array_equal(history.series("loss"), [0.9, 0.5])
    np.testing.assert_array_equal(history.series("val_loss"), [np.nan, 0.7])
    assert history.series("loss", per="step").tolist() == [1.0]
    assert history.names() == ["epoch", "loss", "lr", "val_loss"]  # first seen first
    assert all(type(v) is float for v in history.epochs[1].values())  # numpy scalars converted


def test_to_dict_has_both_record_kinds_and_the_stopping_points():
    history = two_epochs()
    history.best_epoch, history.stopped_epoch = 1, 2
    out = history.to_dict()
    assert out["epochs"]["loss"] == [0.9, 0.5]
    assert np.isnan(out["epochs"]["val_loss"][0]) and out["epochs"]["val_loss"][1] == 0.7
    assert out["steps"] == {"step": [1.0], "loss": [1.0]}
    assert (out["best_epoch"], out["stopped_epoch"]) == (1, 2)


def test_to_csv_writes_a_row_per_record_and_leaves_missing_cells_empty(tmp_path):
    path = tmp_path / "history.csv"
    two_epochs().to_csv(path)
    with path.open() as file:
        rows = list(csv.DictReader(file))
    assert rows == [
        {"epoch": "1.0", "loss": "0.9", "lr": "0.1", "val_loss": ""},
        {"epoch": "2.0", "loss": "0.5", "lr": "0.05", "val_loss": "0.7"},
    ]


def test_unknown_record_kind_is_named():
    with pytest.raises(ValueError, match='per must be "step" or "epoch", got \'batch\''):
        two_epochs().series("loss", per="batch")
