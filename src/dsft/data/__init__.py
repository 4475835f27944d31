"""Reading, splitting and tokenizing examples, and the LightningDataModule that serves them."""
