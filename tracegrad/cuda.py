"""torch.cuda, answered honestly: tracegrad has no GPU."""


def is_available() -> bool:
    """False: tracegrad computes with numpy on the CPU."""
    return False


def device_count() -> int:
    return 0
