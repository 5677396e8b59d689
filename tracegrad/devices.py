"""torch.device and torch.cuda for code that asks which device to use: tracegrad runs on the CPU,
so `device("cuda" if cuda.is_available() else "cpu")` picks "cpu", and Tensor.to / Module.to take
it (another device raises RuntimeError there)."""


class device(str):
    """A device name, as torch.device: device("cpu"), device("cuda", 0); `.type` is the kind."""

    def __new__(cls, type: str = "cpu", index: int | None = None) -> "device":
        if not isinstance(type, str):
            raise TypeError(f"device: expected a name such as 'cpu', got {type!r}")
        return super().__new__(cls, type if index is None else f"{type}:{index}")

    @property
    def type(self) -> str:
        return self.split(":")[0]

    def __repr__(self) -> str:
        return f"device(type='{self.type}')"
