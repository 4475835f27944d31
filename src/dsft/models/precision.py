"""The training precisions dsft accepts (Lightning's names); no torch import."""

PRECISIONS = ("32-true", "32", "bf16-mixed", "bf16-true", "16-mixed", "16-true")
