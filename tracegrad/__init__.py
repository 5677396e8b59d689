"""The tracegrad command line: `tracegrad train` and `tracegrad graph`. The library is in the
packages `autograd`, `nn`, `optim` and `viz`."""
