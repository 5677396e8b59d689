"""torch.utils.data: nn.data's DataLoader and TensorDataset."""

from nn.data import DataLoader, TensorDataset

__all__ = ["DataLoader", "TensorDataset"]
