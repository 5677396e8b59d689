"""torch.utils: only torch.utils.data (tracegrad.utils.data)."""

from . import data

__all__ = ["data"]
