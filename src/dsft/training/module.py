"""The LightningModule: a frozen base made trainable by an adapter method, trained on the answer
tokens. What the method is (LoRA, QLoRA, AdaLoRA, freeze, full, ...) is the method's business:
this module only calls its hooks (`dsft.adapters.method.AdapterMethod`)."""

from __future__ import annotations

import logging
from typing import Any

import lightning as L
import torch
from hydra.utils import instantiate

from dsft.adapters.peft_lora import count_parameters
from dsft.adapters.registry import build_method
from dsft.data.packing import block_causal_mask
from dsft.models.loading import load_base_model
from dsft.training.loss import selected_token_loss_sum
from dsft.training.resume import restore_rng_states, rng_states

log = logging.getLogger(__name__)


class FineTuneModule(L.LightningModule):
    """Builds the model in `configure_model` and optimises only its trainable parameters.

    All constructor arguments are plain dicts and strings, so the hyper-parameters saved in
    checkpoints are plain config, never modules.
    """

    # Checkpoints hold only the trainable weights; the frozen base comes from its source.
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
        self.method = build_method(adapter, model)
        self.model = None
        self.trainable_parameters = 0
        self._val_loss_sum = torch.zeros(())
        self._val_tokens = 0
        self.last_val_step: int | None = None
        # Divide each batch's loss sum by this constant instead of by its own token count, so every
        # answer token weighs the same whatever batch it lands in (set for length-grouped batches,
        # whose short-example batches would otherwise weigh each of their tokens more).
        self.loss_normalizer: float | None = None
        self.sharded = False  # FSDP units applied (dsft.training.sharding)

    def configure_model(self) -> None:
        if self.model is not None:
            return
        hp = self.hparams
        base = load_base_model(
            self.method.base_source(hp.model_source),
            hp.model,
            hp.precision,
            quantization=self.method.quantization(),
            device=str(self.trainer.strategy.root_device) if self._trainer else None,
        )
        self.model = self.method.wrap(base, hp.precision, hp.gradient_checkpointing, hp.total_steps)
        self.trainable_parameters, _ = count_parameters(self.model)
        if self._trainer is not None:
            from dsft.training.sharding import is_sharded, shard_lora_model

            if is_sharded(self.trainer.strategy):  # strategy=fsdp
                shard_lora_model(self.model, self.causal_lm, self.device_mesh["data_parallel"])
                self.sharded = True

    @property
    def causal_lm(self):
        """The transformers model (inside the method's wrapper, when it has one)."""
        return self.method.causal_lm(self.model)

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
        head = causal_lm.get_output_embeddings()
        args = (hidden, batch["loss_positions"], batch["loss_targets"])
        if self.sharded:  # the output layer's FSDP hooks must fire around the fused loss
            from dsft.training.sharding import through_module

            return through_module(head, selected_token_loss_sum, *args)
        return selected_token_loss_sum(*args, head)

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
        extra = self.method.extra_loss(self.model)
        return loss if extra is None else loss + extra

    def optimizer_step(self, epoch, batch_idx, optimizer, optimizer_closure=None) -> None:
        super().optimizer_step(epoch, batch_idx, optimizer, optimizer_closure)
        # Lightning counts the step only after this hook: global_step is its 0-based index.
        self.method.after_optimizer_step(
            self.model, self.trainer.global_step, self._finite_gradients
        )

    def _finite_gradients(self) -> bool:
        """False after an fp16 step the loss scaler skipped. Checked only under fp16: it syncs."""
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

    def _mean_loss(self) -> torch.Tensor:
        """Token-weighted over the whole split (and all devices), not a mean of batch means."""
        strategy = self.trainer.strategy
        loss_sum = strategy.reduce(self._val_loss_sum, reduce_op="sum")
        tokens = strategy.reduce(
            torch.tensor(float(self._val_tokens), device=self.device), reduce_op="sum"
        )
        return loss_sum / tokens

    def on_validation_epoch_end(self) -> None:
        self.log("val/loss", self._mean_loss(), prog_bar=True)
        self.last_val_step = self.trainer.global_step

    # The test split is scored exactly like the validation split.
    def on_test_epoch_start(self) -> None:
        self.on_validation_epoch_start()

    def test_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        self.validation_step(batch, batch_idx)

    def on_test_epoch_end(self) -> None:
        self.log("test/loss", self._mean_loss())

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
        self.method.on_train_start(self.model, total_steps)
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "step"},
        }

    def configure_gradient_clipping(
        self, optimizer, gradient_clip_val=None, gradient_clip_algorithm=None
    ):
        if self._logging_step():  # the norm before clipping, for people to read
            grads = [p.grad for group in optimizer.param_groups for p in group["params"]]
            norm = torch.nn.utils.get_total_norm([g for g in grads if g is not None], foreach=True)
            self.log("train/grad_norm", getattr(norm, "full_tensor", lambda: norm)())
        # Lightning's clipping, which knows the strategy (sharded gradients under FSDP)
        self.clip_gradients(
            optimizer,
            gradient_clip_val=self.hparams.optimizer["max_grad_norm"],
            gradient_clip_algorithm="norm",
        )

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        trainable = {name for name, p in self.named_parameters() if p.requires_grad}
        checkpoint["state_dict"] = {
            k: v for k, v in checkpoint["state_dict"].items() if k in trainable
        }
        state = self.method.checkpoint_state(self.model)
        if state is not None:
            checkpoint["method_state"] = state
        checkpoint["rng_states"] = rng_states()

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        # The model exists: configure_model runs before the checkpoint is restored.
        # (Checkpoints before 2026-12 kept it under the method's name.)
        state = checkpoint.get("method_state", checkpoint.get(self.method.name))
        if state is not None:
            self.method.restore_state(self.model, state)
        # Applied when training starts, after everything that loads and sets up has run.
        self._rng_to_restore = checkpoint.get("rng_states")

    def on_train_start(self) -> None:
        if getattr(self, "_rng_to_restore", None) is not None:
            restore_rng_states(self._rng_to_restore)
            self._rng_to_restore = None
