"""The LightningModule: a frozen base with a LoRA adapter (or some of its own layers unfrozen),
trained on the answer tokens."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

import lightning as L
import torch
from hydra.utils import instantiate

from dsft.adapters.layers import train_own_weights
from dsft.adapters.lora import (
    adalora_orthogonality_penalty,
    adalora_state,
    count_parameters,
    restore_adalora_state,
    save_pissa_initial,
    set_adalora_schedule,
    wrap_with_lora,
)
from dsft.config.validate import LORA_METHODS
from dsft.data.packing import block_causal_mask
from dsft.models.loading import load_base_model
from dsft.training.loss import selected_token_loss_sum

log = logging.getLogger(__name__)


class LoRAFineTuneModule(L.LightningModule):
    """Builds the model in `configure_model`, optimises only its trainable parameters (the
    adapter's, or the unfrozen layers' for adapter=freeze|full).

    All constructor arguments are plain dicts and strings, so the hyper-parameters saved in
    checkpoints are plain config, never modules.
    """

    # Checkpoints hold only the trainable (adapter) weights; the frozen base comes from its source.
    strict_loading = False

    def __init__(
        self,
        model: dict[str, Any],
        adapter: dict[str, Any],
        optimizer: dict[str, Any],
        model_source: str,
        precision: str = "32-true",
        gradient_checkpointing: bool = False,
        total_steps: int | None = None,
    ):
        super().__init__()
        self.save_hyperparameters()
        self.model = None
        self.pissa_initial: Path | None = None  # PiSSA's initial adapter, for the final save
        self.trainable_parameters = 0
        self._val_loss_sum = torch.zeros(())
        self._val_tokens = 0
        self.last_val_step: int | None = None
        # Divide each batch's loss sum by this constant instead of by its own token count, so every
        # answer token weighs the same whatever batch it lands in (set for length-grouped batches,
        # whose short-example batches would otherwise weigh each of their tokens more).
        self.loss_normalizer: float | None = None

    def configure_model(self) -> None:
        if self.model is not None:
            return
        hp = self.hparams
        quantization = hp.adapter.get("quantization") if hp.adapter["method"] == "qlora" else None
        base = load_base_model(
            hp.model_source,
            hp.model,
            hp.precision,
            quantization=quantization,
            device=str(self.trainer.strategy.root_device) if self._trainer else None,
        )
        if not self.uses_lora:
            self.model = train_own_weights(
                base,
                hp.adapter,
                hp.gradient_checkpointing,
                fp32_master=hp.precision.endswith("-mixed"),
            )
            self.model.train()
            self.trainable_parameters, _ = count_parameters(self.model)
            return
        self.model = wrap_with_lora(
            base, hp.adapter, hp.model, hp.gradient_checkpointing, hp.total_steps
        )
        if str(hp.adapter.get("init", "default")).startswith("pissa"):
            target = Path(tempfile.mkdtemp(prefix="dsft-pissa-")) / "initial"
            self.pissa_initial = save_pissa_initial(self.model, target)
        self.model.train()  # from_pretrained returns eval mode; LoRA dropout must be active
        self.trainable_parameters, _ = count_parameters(self.model)

    @property
    def uses_lora(self) -> bool:
        return self.hparams.adapter["method"] in LORA_METHODS

    @property
    def causal_lm(self):
        """The transformers model (inside the peft wrapper, when there is one)."""
        return self.model.get_base_model() if self.uses_lora else self.model

    def loss_sum(self, batch: dict[str, Any]) -> torch.Tensor:
        """Summed cross-entropy over the batch's answer tokens."""
        causal_lm = self.causal_lm
        attention_mask, extra = batch["attention_mask"], {}
        if "segment_ids" in batch:  # packed rows: no attention across example boundaries
            attention_mask = self._packed_mask(batch["segment_ids"])
            extra["position_ids"] = batch["position_ids"]
        hidden = causal_lm.get_decoder()(
            input_ids=batch["input_ids"], attention_mask=attention_mask, use_cache=False, **extra
        ).last_hidden_state
        return selected_token_loss_sum(
            hidden,
            batch["loss_positions"],
            batch["loss_targets"],
            causal_lm.get_output_embeddings(),
        )

    def _logging_step(self) -> bool:
        """Log only on the steps Lightning writes (the same rule as its logger connector):
        self.log costs ~0.3 ms of Python each."""
        return (self.trainer.global_step + 1) % self.trainer.log_every_n_steps == 0

    def _packed_mask(self, segments: torch.Tensor) -> torch.Tensor:
        """Block-diagonal causal mask: bool for SDPA, additive floats for eager attention."""
        implementation = self.causal_lm.config._attn_implementation
        if implementation == "sdpa":
            return block_causal_mask(segments)
        return block_causal_mask(segments, dtype=self.causal_lm.dtype)

    def training_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        loss_sum = self.loss_sum(batch)
        tokens = batch["loss_targets"].numel()
        if self._logging_step():  # the per-token mean of this batch, for people to read
            mean = loss_sum.detach() / tokens
            if not torch.isfinite(mean):  # checked only when logging: it syncs with the device
                raise FloatingPointError(
                    f"train loss is {float(mean)} at step {self.trainer.global_step}; the run "
                    "diverged. Lower optimizer.lr or raise optimizer.warmup_steps."
                )
            self.log("train/loss", mean, prog_bar=True)
        loss = loss_sum / (self.loss_normalizer or tokens)
        if self.hparams.adapter["method"] == "adalora":
            weight = self.hparams.adapter["adalora"]["orth_reg_weight"]
            loss = loss + weight * adalora_orthogonality_penalty(self.model)
        return loss

    def optimizer_step(self, epoch, batch_idx, optimizer, optimizer_closure=None) -> None:
        super().optimizer_step(epoch, batch_idx, optimizer, optimizer_closure)
        if self.hparams.adapter["method"] == "adalora" and self._finite_lora_gradients():
            # AdaLoRA re-allocates ranks from the gradients of the step just taken (peft's
            # order: after optimizer.step, before zero_grad). Lightning counts the step only
            # after this hook, so global_step is still its 0-based index.
            self.model.base_model.update_and_allocate(self.trainer.global_step)

    def _finite_lora_gradients(self) -> bool:
        """False after an fp16 step the loss scaler skipped (overflowed gradients would poison
        AdaLoRA's importance averages for good). Checked only under fp16: it syncs."""
        if not self.hparams.precision.startswith("16"):
            return True
        grads = [p.grad for p in self.model.parameters() if p.requires_grad and p.grad is not None]
        return bool(torch.stack([torch.isfinite(g).all() for g in grads]).all())

    def on_validation_epoch_start(self) -> None:
        self._val_loss_sum = torch.zeros((), device=self.device)
        self._val_tokens = 0

    def validation_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        self._val_loss_sum += self.loss_sum(batch).detach()
        self._val_tokens += batch["loss_targets"].numel()

    def on_validation_epoch_end(self) -> None:
        # Token-weighted over the whole val set (and all devices), not a mean of batch means.
        strategy = self.trainer.strategy
        loss_sum = strategy.reduce(self._val_loss_sum, reduce_op="sum")
        tokens = strategy.reduce(
            torch.tensor(float(self._val_tokens), device=self.device), reduce_op="sum"
        )
        self.log("val/loss", loss_sum / tokens, prog_bar=True)
        self.last_val_step = self.trainer.global_step

    # The test split is scored exactly like the validation split.
    def on_test_epoch_start(self) -> None:
        self.on_validation_epoch_start()

    def test_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        self.validation_step(batch, batch_idx)

    def on_test_epoch_end(self) -> None:
        strategy = self.trainer.strategy
        loss_sum = strategy.reduce(self._val_loss_sum, reduce_op="sum")
        tokens = strategy.reduce(
            torch.tensor(float(self._val_tokens), device=self.device), reduce_op="sum"
        )
        self.log("test/loss", loss_sum / tokens)

    def configure_optimizers(self):
        params = [p for p in self.model.parameters() if p.requires_grad]
        spec = dict(self.hparams.optimizer["optimizer"])
        if self.hparams.precision.startswith("16"):
            # With a fused optimizer Lightning leaves fp16 gradients scaled until the step, so
            # clipping would see them x65536: use the unfused kernel with loss scaling.
            spec.pop("fused", None)
        optimizer = instantiate(spec)(params)
        total_steps = int(self.trainer.estimated_stepping_batches)
        scheduler = instantiate(self.hparams.optimizer["scheduler"])(
            optimizer, total_steps=total_steps
        )
        if self.hparams.adapter["method"] == "adalora":
            set_adalora_schedule(self.model, self.hparams.adapter["adalora"], total_steps)
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "step"},
        }

    def configure_gradient_clipping(
        self, optimizer, gradient_clip_val=None, gradient_clip_algorithm=None
    ):
        params = [p for group in optimizer.param_groups for p in group["params"]]
        norm = torch.nn.utils.clip_grad_norm_(
            params, self.hparams.optimizer["max_grad_norm"], foreach=True
        )
        if self._logging_step():
            self.log("train/grad_norm", norm)

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        trainable = {name for name, p in self.named_parameters() if p.requires_grad}
        checkpoint["state_dict"] = {
            k: v for k, v in checkpoint["state_dict"].items() if k in trainable
        }
        if self.hparams.adapter["method"] == "adalora":
            checkpoint["adalora"] = adalora_state(self.model)

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        if "adalora" in checkpoint:  # the model exists: configure_model runs before restoring
            restore_adalora_state(self.model, checkpoint["adalora"])
