from typing import Optional, Sequence

import torch
import torch.nn as nn


class ClassPriorMixin(nn.Module):
    """Holds log(pi_c), pi_c = n_c / sum_k n_k from *training* counts.

    Counts arrive from the config (``class_counts``) or, without the user typing them,
    from :class:`~cue_plugin.engine.hooks.ClassMetaHook` via :meth:`set_class_counts`.
    """

    def _init_prior(self, class_counts: Optional[Sequence[int]]) -> None:
        self.register_buffer('log_prior', torch.empty(0), persistent=False)
        self.register_buffer('class_counts', torch.empty(0), persistent=False)
        if class_counts is not None:
            self.set_class_counts(class_counts)

    @torch.no_grad()
    def set_class_counts(self, class_counts: Sequence[int]) -> None:
        counts = torch.as_tensor(list(class_counts), dtype=torch.float64)
        if counts.ndim != 1 or len(counts) == 0 or (counts < 0).any() or counts.sum() <= 0:
            raise ValueError(f'{type(self).__name__}: class_counts must be non-negative '
                             f'per-class training counts, got {list(class_counts)[:10]}...')
        # An absent class gets prior 1/(N+1) of a single image rather than log(0) = -inf.
        prior = counts.clamp(min=0.5) / counts.sum()
        self.log_prior = prior.log().float().to(self.log_prior.device)
        self.class_counts = counts.float().to(self.log_prior.device)
        self.on_class_counts(self.class_counts)

    def on_class_counts(self, counts: torch.Tensor) -> None:
        """Hook for losses deriving more from the counts (margins, weights)."""

    def check_prior(self, cls_score: torch.Tensor) -> None:
        if self.log_prior.numel() == 0:
            raise RuntimeError(
                f'{type(self).__name__} has no class prior. Add '
                "custom_hooks=[dict(type='ClassMetaHook')] to the config (it reads the "
                'training set counts) or pass class_counts=[...] to the loss.')
        if self.log_prior.numel() != cls_score.size(-1):
            raise ValueError(f'{type(self).__name__}: class prior has {self.log_prior.numel()} '
                             f'classes but the logits have {cls_score.size(-1)}.')

    def adjusted_logits(self, cls_score: torch.Tensor, tau: float) -> torch.Tensor:
        self.check_prior(cls_score)
        return cls_score.float() + tau * self.log_prior.to(cls_score.device)
