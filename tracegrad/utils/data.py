"""torch.utils.data: nn.data's datasets, DataLoader, random_split and default_collate."""

from nn.data import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split

__all__ = ["DataLoader", "Dataset", "Subset", "TensorDataset", "default_collate", "random_split"]
