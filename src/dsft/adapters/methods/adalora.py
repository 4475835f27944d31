"""AdaLoRA: LoRA in SVD form, W + B E A with E diagonal, whose ranks are pruned during training.

Every target starts at rank `r`; the least important singular values are masked until the
average rank is `adalora.target_r`. The schedule is laid over the run's real optimizer steps, so
early stopping is off; the rank pattern and importance averages are saved in checkpoints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from omegaconf import DictConfig

from dsft.adapters.method import AdapterSchema
from dsft.adapters.methods.lora import LoRA, LoraSchema, _positive
from dsft.adapters.registry import register_method
from dsft.adapters.targets import selected_targets
from dsft.config.errors import ConfigError


@dataclass
class AdaLoraSchedule:
    """AdaLoRA's rank schedule, in fractions of the run's optimizer steps."""

    target_r: int = 8  # average rank left after pruning
    warmup_fraction: float = 0.1  # steps at full rank before pruning starts (peft's tinit)
    final_fraction: float = 0.2  # last steps with the ranks fixed (peft's tfinal)
    interval: int = 10  # steps between two rank re-allocations (peft's deltaT)
    orth_reg_weight: float = 0.5  # weight of the orthogonality penalty on A and B


@dataclass
class AdaLoraSchema(LoraSchema):
    method: str = "adalora"
    # peft cannot put AdaLoRA on fused MoE experts; every model entry has this preset.
    target_preset: str = "attention"
    adalora: AdaLoraSchedule = field(default_factory=AdaLoraSchedule)


def adalora_schedule(schedule: dict[str, Any], total_steps: int) -> dict[str, int]:
    """peft's AdaLoRA step counts from dsft's fractions of the run's optimizer steps.

    The final allocation happens at step `total_step - tfinal`, so tfinal is at least 1 (else
    that step is never reached and the target rank never enforced).
    """
    tfinal = max(1, int(schedule["final_fraction"] * total_steps))
    tinit = min(int(schedule["warmup_fraction"] * total_steps), max(0, total_steps - tfinal - 1))
    return {
        "total_step": total_steps,
        "tinit": tinit,
        "tfinal": tfinal,
        "deltaT": schedule["interval"],
    }


@register_method
class AdaLoRA(LoRA):
    """LoRA whose rank budget moves to where it helps."""

    name = "adalora"
    schema: ClassVar[type[AdapterSchema]] = AdaLoraSchema
    quantized_alternative: ClassVar[str | None] = None  # peft has no 4-bit AdaLoRA here

    @classmethod
    def sharding_problem(cls, adapter: DictConfig, model: DictConfig) -> str | None:
        return f"adapter={cls.name} does not shard yet"

    peft_type: ClassVar[str] = "ADALORA"
    supports_early_stopping = False
    _not_on_experts = (("use_dora", "DoRA"), ("method", "AdaLoRA"))

    @classmethod
    def validate(cls, adapter: DictConfig, model: DictConfig, hardware: DictConfig) -> None:
        if adapter.use_dora:
            raise ConfigError("adapter.use_dora", "AdaLoRA cannot be combined with DoRA.")
        if adapter.init != "default":
            raise ConfigError(
                "adapter.init",
                f"AdaLoRA has its own (SVD-form) init; {adapter.init!r} does not apply.",
            )
        if adapter.use_rslora:
            raise ConfigError(
                "adapter.use_rslora", "AdaLoRA has no rank-stabilised variant in peft."
            )
        super().validate(adapter, model, hardware)
        schedule = adapter.adalora
        _positive(
            "adapter.adalora.target_r", schedule.target_r, "Use e.g. adapter.adalora.target_r=8."
        )
        if schedule.target_r > adapter.r:
            raise ConfigError(
                "adapter.adalora.target_r",
                f"({schedule.target_r}) must not exceed the starting rank adapter.r ({adapter.r}).",
            )
        _positive("adapter.adalora.interval", schedule.interval, "Use e.g. 10 steps.")
        fractions = (schedule.warmup_fraction, schedule.final_fraction)
        if min(fractions) < 0 or sum(fractions) >= 1:
            raise ConfigError(
                "adapter.adalora.warmup_fraction",
                f"warmup_fraction + final_fraction must be in [0, 1), got {sum(fractions):g}: "
                "some steps in between must prune ranks.",
            )
        if schedule.orth_reg_weight < 0:
            raise ConfigError("adapter.adalora.orth_reg_weight", "must be >= 0.")

    @staticmethod
    def _shape(adapter, model) -> dict[str, Any]:
        return {"r": adapter["r"], "targets": sorted(selected_targets(adapter, model))}

    @staticmethod
    def _saved_shape(saved) -> dict[str, Any]:
        peft = saved.peft_config()
        return {"r": peft["init_r"]} if peft else {}

    def peft_config(self, total_steps: int | None):
        from peft import AdaLoraConfig

        from dsft.adapters.peft_lora import lora_common_kwargs

        schedule = self.adapter["adalora"]
        return AdaLoraConfig(
            init_r=self.adapter["r"],
            target_r=schedule["target_r"],
            orth_reg_weight=schedule["orth_reg_weight"],
            **adalora_schedule(schedule, total_steps or 1),
            **lora_common_kwargs(self.adapter, selected_targets(self.adapter, self.model_cfg)),
        )

    def on_train_start(self, model, total_steps: int) -> None:
        """Lay the schedule over the run's real optimizer step count (max_steps, or epochs x
        batches / accumulation); peft reads these from the config at every step."""
        config = model.peft_config[model.active_adapter]
        for key, value in adalora_schedule(self.adapter["adalora"], total_steps).items():
            setattr(config, key, value)

    def extra_loss(self, model):
        """The orthogonality penalty, mean over A and B of ||A A^T - I|| and ||B^T B - I||.

        peft adds it inside the model's forward only when labels are passed; dsft computes its
        loss outside the model, so the training step adds it here.
        """
        import torch

        total, count = None, 0
        for name, param in model.named_parameters():
            if not param.requires_grad or not ("lora_A" in name or "lora_B" in name):
                continue
            cov = param @ param.T if "lora_A" in name else param.T @ param
            eye = torch.eye(cov.shape[0], dtype=cov.dtype, device=cov.device)
            term = torch.linalg.matrix_norm(cov - eye)
            total = term if total is None else total + term
            count += 1
        penalty = total / count if count else torch.zeros(())
        return self.adapter["adalora"]["orth_reg_weight"] * penalty

    def after_optimizer_step(self, model, step: int, finite_gradients) -> None:
        # Re-allocate ranks from the gradients of the step just taken (peft's order: after
        # optimizer.step, before zero_grad); a skipped fp16 step would poison the averages.
        if finite_gradients():
            model.base_model.update_and_allocate(step)

    def checkpoint_state(self, model) -> dict[str, Any]:
        """What AdaLoRA keeps only in memory: the rank pattern and the importance averages."""
        allocator = model.base_model.rankallocator
        return {
            "rank_pattern": model.peft_config[model.active_adapter].rank_pattern,
            "ipt": allocator.ipt,
            "exp_avg_ipt": allocator.exp_avg_ipt,
            "exp_avg_unc": allocator.exp_avg_unc,
        }

    def restore_state(self, model, state: dict[str, Any]) -> None:
        model.peft_config[model.active_adapter].rank_pattern = state["rank_pattern"]
        allocator = model.base_model.rankallocator
        for key in ("ipt", "exp_avg_ipt", "exp_avg_unc"):
            setattr(allocator, key, state[key])
