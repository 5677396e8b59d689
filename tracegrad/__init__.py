"""tracegrad: the `tracegrad` command line (tracegrad.cli). The library is in the packages
`autograd`, `nn`, `optim` and `viz`."""
