from typing import Sequence, Tuple, Union

import torch
from mmpretrain.structures import DataSample

from cue_plugin.cues import (builtin_taxonomy, instance_cue_targets, load_class_cue,
                             neighbour_matrix, taxonomy_neighbours)
from cue_plugin.utils.resources import resolve_resource
from cue_plugin.registry import MODELS
from .cosine_cls_head import checked_classnames
from cue_plugin.structures import batch_field, has_field


class CUEObjective:
    """CUE's objective for any classification head (mixin, first in the bases):

    ``L = L_cls(z, y) + lambda_llm * L_BLA(z, T_llm[y]) + lambda_vlm * L_BLA(z, T_vlm(x))``

    ``L_cls`` is the head's own ``loss`` (LA by default; any mmpretrain loss works).
    T_llm is the class cue, a C x C neighbour matrix; T_vlm the instance cue, from each
    sample's ``vlm_cue`` (top-k zero-shot classes). When the classifier mixes the batch
    (Mixup/CutMix), it passes the mixed targets as ``gt_score``, ``llm_target`` and
    ``vlm_target`` and they are used as given.

    Args:
        class_cue (str | dict, optional): a class-cue file path (bare names resolve to the
            shipped graphs, e.g. ``'cifar100.json'``), ``dict(file=PATH)`` or
            ``dict(taxonomy='cifar100' | 'fashion_mnist')``. None disables the class cue.
        lambda_llm (float): weight of the class-cue BLA loss. Defaults to 0.5.
        lambda_vlm (float): weight of the instance-cue BLA loss (0 disables). Defaults to 0.5.
        bla_loss (dict): the BLA loss. Defaults to ``BinaryLogitAdjustedLoss(tau_b=1)``.
        classnames (Sequence[str], optional): class names (else from ``ClassMetaHook``).
    """

    def __init__(self,
                 *args,
                 class_cue: Union[str, dict, None] = None,
                 lambda_llm: float = 0.5,
                 lambda_vlm: float = 0.5,
                 bla_loss: dict = dict(type='BinaryLogitAdjustedLoss', tau_b=1.0),
                 classnames: Sequence[str] = None,
                 **kwargs):
        self.class_cue = dict(file=class_cue) if isinstance(class_cue, str) else class_cue
        if self.class_cue is not None and not ({'file', 'taxonomy'} & set(self.class_cue)):
            raise ValueError("class_cue must be a path, dict(file=PATH) or dict(taxonomy="
                             f"NAME); got {class_cue!r}.")
        super().__init__(*args, **kwargs)
        self.lambda_llm = lambda_llm if self.class_cue is not None else 0.0
        self.lambda_vlm = lambda_vlm
        self.bla_loss = MODELS.build(bla_loss) if isinstance(bla_loss, dict) else bla_loss
        self.register_buffer('class_cue_matrix', torch.empty(0, dtype=torch.bool),
                             persistent=False)
        self.classnames = getattr(self, 'classnames', None)
        if classnames is not None:
            self.set_classnames(classnames)

    @property
    def uses_instance_cue(self) -> bool:
        return self.lambda_vlm > 0

    @property
    def uses_class_cue(self) -> bool:
        return self.lambda_llm > 0

    def set_classnames(self, classnames: Sequence[str], source: str = 'classnames') -> None:
        self.classnames = classnames = checked_classnames(classnames, self.num_classes, source)
        if self.uses_class_cue:
            if 'file' in self.class_cue:
                path = resolve_resource(self.class_cue['file'], 'class_cues')
                neighbours = load_class_cue(path, classnames)
            else:
                neighbours = taxonomy_neighbours(classnames,
                                                 builtin_taxonomy(self.class_cue['taxonomy']))
            m = neighbour_matrix(self.num_classes, neighbours, classnames)
            self.class_cue_matrix = m.to(self.class_cue_matrix.device)

    def class_cue_targets(self, labels: torch.Tensor) -> torch.Tensor:
        if self.class_cue_matrix.numel() == 0:
            raise RuntimeError(
                'The head has a class cue but no class names to resolve it: add '
                "custom_hooks=[dict(type='ClassMetaHook')] or set model.head.classnames.")
        return self.class_cue_matrix.to(labels.device)[labels].float()

    def instance_cue_targets(self, data_samples, labels: torch.Tensor) -> torch.Tensor:
        if not has_field(data_samples, 'vlm_cue'):
            raise RuntimeError(
                "lambda_vlm > 0 but the data samples carry no instance cue ('vlm_cue'): use "
                "CUEImageClassifier with instance_cue=dict(mode='online'), or the LoadVLMCue "
                'transform with a cache from tools/build_vlm_cues.py, or set lambda_vlm=0.')
        topk = batch_field(data_samples, 'vlm_cue', labels.device)
        return instance_cue_targets(topk, labels, self.num_classes)

    def loss(self, feats: Tuple[torch.Tensor], data_samples: Sequence[DataSample],
             **kwargs) -> dict:
        z = self(feats)
        mixed = has_field(data_samples, 'gt_score')
        target = batch_field(data_samples, 'gt_score' if mixed else 'gt_label', z.device,
                             cat=not mixed)
        losses = dict(loss_cls=self.loss_module(z, target, avg_factor=z.size(0), **kwargs))
        for name, lam, field, make in (
                ('loss_llm', self.lambda_llm, 'llm_target', self.class_cue_targets),
                ('loss_vlm', self.lambda_vlm, 'vlm_target',
                 lambda y: self.instance_cue_targets(data_samples, y))):
            if lam <= 0:
                continue
            if has_field(data_samples, field):
                t = batch_field(data_samples, field, z.device)
            elif mixed:
                raise RuntimeError(
                    f'The batch was mixed (gt_score) but carries no {field}: mix CUE\'s '
                    'targets with the labels by giving the batch augments to '
                    'CUEImageClassifier(batch_augments=...) instead of the data preprocessor.')
            else:
                t = make(target)
            losses[name] = lam * self.bla_loss(z, t)
        return losses
