"""One module per adapter method; each registers itself (see `dsft.adapters.registry`)."""
