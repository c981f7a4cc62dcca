from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.evaluation import Accuracy
from mmpretrain.models.heads import ClsHead

from cue_plugin.registry import MODELS
from cue_plugin.structures import batch_field, has_field
from ..clip import DEFAULT_TEMPLATE


def checked_classnames(classnames: Sequence[str], num_classes: int, source: str) -> list:
    """``classnames`` as a list, or an error naming ``source`` if the count is wrong."""
    classnames = list(classnames)
    if len(classnames) != num_classes:
        raise ValueError(f'{source} has {len(classnames)} class names but the head has '
                         f'num_classes={num_classes}.')
    return classnames


@MODELS.register_module()
class CosineClsHead(ClsHead):
    """Cosine classifier ``z_c = s * <f/|f|, w_c/|w_c|>`` without bias (LIFT, CUE).

    With ``text_init=True`` the :class:`CLIPImageClassifier` initialises ``w_c`` from CLIP
    text features of ``text_template.format(name)`` mapped back through the visual
    projection: ``w_c = normalize(t_c @ proj^T)``.

    Args:
        num_classes (int): number of classes.
        in_channels (int): feature width (768 for ViT-B/16 before projection).
        scale (float): logit scale s. Defaults to 25.
        text_init (bool): initialise from class-name text features. Defaults to True.
        text_template (str): prompt template. Defaults to ``'a photo of a {}.'``.
        classnames (Sequence[str], optional): class names; by default taken from the
            training set's metainfo by :class:`ClassMetaHook`.
        loss (dict): loss config. Defaults to ``LogitAdjustedLoss``.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 scale: float = 25.0,
                 text_init: bool = True,
                 text_template: str = DEFAULT_TEMPLATE,
                 classnames: Optional[Sequence[str]] = None,
                 loss: dict = dict(type='LogitAdjustedLoss'),
                 **kwargs):
        super().__init__(loss=loss, **kwargs)
        if num_classes <= 0:
            raise ValueError(f'num_classes={num_classes} must be positive.')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.scale = scale
        self.text_init = text_init
        self.text_template = text_template
        self.classnames = None
        if classnames is not None:
            self.set_classnames(classnames)
        self.weight = nn.Parameter(torch.empty(num_classes, in_channels))
        nn.init.normal_(self.weight, std=0.01)

    def set_classnames(self, classnames: Sequence[str], source: str = 'classnames') -> None:
        self.classnames = checked_classnames(classnames, self.num_classes, source)

    @torch.no_grad()
    def init_from_text(self, text_features: torch.Tensor) -> None:
        """Set ``w_c = normalize(t_c @ proj^T)`` given ``t_c @ proj^T`` (C x in_channels)."""
        if tuple(text_features.shape) != tuple(self.weight.shape):
            raise ValueError(f'Text features of shape {tuple(text_features.shape)} do not fit '
                             f'the head weight {tuple(self.weight.shape)}.')
        self.weight.copy_(F.normalize(text_features.float(), dim=-1))

    def pre_logits(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        return feats[-1]

    def _get_loss(self, cls_score: torch.Tensor, data_samples, **kwargs) -> dict:
        # mmpretrain's ClsHead._get_loss with the targets read whole: a DataSampleBatch
        # (stacked_collate) hands over its tensor, a list is gathered as there.
        mixed = has_field(data_samples, 'gt_score')
        target = batch_field(data_samples, 'gt_score' if mixed else 'gt_label',
                             cls_score.device, cat=not mixed)
        losses = dict(loss=self.loss_module(cls_score, target, avg_factor=cls_score.size(0),
                                            **kwargs))
        if self.cal_acc:
            if mixed:
                raise ValueError('cal_acc needs hard labels; the batch was mixed (gt_score).')
            acc = Accuracy.calculate(cls_score, target, topk=self.topk)
            losses.update({f'accuracy_top-{k}': a for k, a in zip(self.topk, acc)})
        return losses

    def _get_predictions(self, cls_score, data_samples):
        # Keep the logits: five-crop TTE (AverageLogitsTTA) averages logits, not scores.
        out = super()._get_predictions(cls_score, data_samples)
        for ds, logit in zip(out, cls_score.detach()):
            ds.set_field(logit, 'pred_logits')
        return out

    def forward(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        f = F.normalize(self.pre_logits(feats).float(), dim=-1)
        return self.scale * f @ F.normalize(self.weight.float(), dim=-1).t()
