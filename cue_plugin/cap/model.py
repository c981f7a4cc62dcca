"""CAP's model: frozen CLIP + MaPLe prompts + text / main-visual / pseudo-visual adapters,
and the per-iteration loss of SPEC §3 over the labelled, pseudolabelled and unlabelled
(weak / strong view) streams."""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from cue_plugin.models.clip import build_open_clip
from cue_plugin.models.losses import CalibratedMarginLoss
from .maple import MaPLe, ResidualAdapter
from .pseudolabel import fixmatch_mask


class CAPModel(nn.Module):
    """Args:
        arch, pretrained, model_cfg: the open_clip CLIP (CAP uses ViT-B/32).
        classnames (Sequence[str]): class names in label order.
        n_ctx, ctx_init, depth: MaPLe settings (2, 'a photo of a', 8).
        adapter_hidden (int, optional): adapters' hidden width (CAP: 128 for 512).
        tau (float): FixMatch confidence threshold (0.85; FGVCAircraft 0.5).
        keep_adapters_at_test (bool): the reference bypasses the adapters at inference.
    """

    def __init__(self, classnames: Sequence[str], arch='ViT-B-32', pretrained=None,
                 model_cfg=None, n_ctx: int = 2, ctx_init: str = 'a photo of a',
                 depth: int = 8, adapter_hidden: Optional[int] = None, tau: float = 0.85,
                 keep_adapters_at_test: bool = False):
        super().__init__()
        clip, tokenizer, self.clip_source = build_open_clip(arch, pretrained, model_cfg)
        clip.requires_grad_(False)
        self.clip = clip
        self.classnames = list(classnames)
        self.maple = MaPLe(clip, tokenizer, n_ctx, ctx_init, depth)
        d = clip.text_projection.shape[1]
        self.text_adapter = ResidualAdapter(d, adapter_hidden)
        self.main_adapter = ResidualAdapter(d, adapter_hidden)
        self.pseudo_adapter = ResidualAdapter(d, adapter_hidden)
        self.tau = tau
        self.keep_adapters_at_test = keep_adapters_at_test
        self.margin_loss = CalibratedMarginLoss()

    def text_features(self, adapted: bool = True) -> torch.Tensor:
        t = self.maple.encode_text(self.classnames)
        return F.normalize(self.text_adapter(t), dim=-1) if adapted else t

    def logits(self, images: torch.Tensor, adapter: Optional[str] = 'main',
               text: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``100 * cos(v, t)``; ``adapter`` None bypasses all adapters (inference)."""
        v = self.maple.encode_image(images)
        if adapter is not None:
            v = F.normalize({'main': self.main_adapter,
                             'pseudo': self.pseudo_adapter}[adapter](v), dim=-1)
        if text is None:
            text = self.text_features(adapted=adapter is not None)
        return 100.0 * v @ text.t()

    def predict_logits(self, images: torch.Tensor) -> torch.Tensor:
        return self.logits(images, 'main' if self.keep_adapters_at_test else None)

    def cap_loss(self, pseudo: Tuple[torch.Tensor, torch.Tensor],
                 weak: Optional[torch.Tensor] = None, strong: Optional[torch.Tensor] = None,
                 labelled: Optional[Tuple[torch.Tensor, torch.Tensor]] = None,
                 stats: Optional[dict] = None) -> dict:
        """``CE_M(z_l, y) + CE_M(z_main, y_pl) + sum_i 1[p_i > tau] CE_M(z_strong_i, yhat_i) /
        sum_i 1[p_i > tau]`` (the labelled term for SSL / TRZSL only; the FixMatch term only
        when ``weak`` and ``strong`` are given). A ``stats`` dict receives the FixMatch
        ``mask`` and ``yhat`` of the weak view (the calibrated margin's sigma counts)."""
        text = self.text_features()
        losses = {}
        if labelled is not None:
            losses['loss_labelled'] = self.margin_loss(self.logits(labelled[0], 'main', text),
                                                       labelled[1])
        losses['loss_pseudo'] = self.margin_loss(self.logits(pseudo[0], 'main', text),
                                                 pseudo[1])
        if weak is None or strong is None:
            return losses
        with torch.no_grad():
            mask, yhat = fixmatch_mask(self.logits(weak, 'main', text), self.tau)
        if stats is not None:
            stats.update(mask=mask, yhat=yhat)
        z_strong = self.logits(strong, 'pseudo', text)
        n = mask.sum()
        losses['loss_fixmatch'] = self.margin_loss(
            z_strong, yhat, weight=mask, avg_factor=n.clamp(min=1.0)) if n > 0 else \
            z_strong.sum() * 0.0
        return losses
