"""Planning a run before launch: model shapes and FLOPs, memory per device, what to change."""
