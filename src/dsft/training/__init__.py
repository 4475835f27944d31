"""The LightningModule, callbacks and the run flow: the one place that instantiates objects."""
