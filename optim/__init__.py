"""Optimizers (the ladder from SGD to AdamW, NAdam, RAdam and Adamax), learning-rate schedules,
and their shared base."""

from . import lr_scheduler
from .ladder import SGD, Adagrad, Adam, Adamax, AdamW, NAdam, RAdam, RMSprop
from .optimizer import Optimizer

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "lr_scheduler",
]
