"""Range and cross-group rules, one module per config group (the adapter's are its method's)."""
