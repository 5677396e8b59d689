"""Optimizers (the ladder from SGD to AdamW), learning-rate schedules, and their shared base."""

from . import lr_scheduler
from .ladder import SGD, Adagrad, Adam, AdamW, RMSprop
from .optimizer import Optimizer

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
