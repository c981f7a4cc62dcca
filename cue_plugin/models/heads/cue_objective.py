from typing import Sequence, Tuple, Union

import torch
from mmpretrain.structures import DataSample

from cue_plugin.cues import (LEGACY_FIELDS, TOPK_FIELD, builtin_taxonomy, instance_cue_targets,
                             load_class_cue, neighbour_matrix, taxonomy_neighbours)
from cue_plugin.registry import MODELS
from cue_plugin.structures import batch_field, has_field
from cue_plugin.utils import renamed_kwargs, warn_renamed
from cue_plugin.utils.resources import resolve_resource
from .cosine_cls_head import checked_classnames


class CUEObjective:
    """CUE's objective for any classification head (mixin, first in the bases):

    ``L = L_cls(z, y) + lambda_class * L_BLA(z, T_class[y])
    + lambda_instance * L_BLA(z, T_inst(x))``

    ``L_cls`` is the head's own ``loss`` (LA by default; any mmpretrain loss works).
    T_class is the class cue, a C x C neighbour matrix (from an LLM, a taxonomy or text-kNN);
    T_inst the instance cue, from each sample's ``instance_cue_topk`` (the top-k classes of
    the zero-shot CLIP, i.e. the VLM). When the classifier mixes the batch (Mixup/CutMix),
    it passes the mixed targets as ``gt_score``, ``class_cue_target`` and
    ``instance_cue_target`` and they are used as given.

    Args:
        class_cue (str | dict, optional): a class-cue file path (bare names resolve to the
            shipped graphs, e.g. ``'cifar100.json'``), ``dict(file=PATH)`` or
            ``dict(taxonomy='cifar100' | 'fashion_mnist')``. None disables the class cue.
        lambda_class (float): weight of the class-cue BLA loss. Defaults to 0.5.
            ``lambda_llm``, its deprecated name, still works with a warning.
        lambda_instance (float): weight of the instance-cue BLA loss (0 disables).
            Defaults to 0.5. ``lambda_vlm``, its deprecated name, still works with a warning.
        bla_loss (dict): the BLA loss. Defaults to ``BinaryLogitAdjustedLoss(tau_b=1)``.
        classnames (Sequence[str], optional): class names (else from ``ClassMetaHook``).
    """

    @renamed_kwargs(lambda_llm='lambda_class', lambda_vlm='lambda_instance')
    def __init__(self,
                 *args,
                 class_cue: Union[str, dict, None] = None,
                 lambda_class: float = 0.5,
                 lambda_instance: float = 0.5,
                 bla_loss: dict = dict(type='BinaryLogitAdjustedLoss', tau_b=1.0),
                 classnames: Sequence[str] = None,
                 **kwargs):
        self.class_cue = dict(file=class_cue) if isinstance(class_cue, str) else class_cue
        if self.class_cue is not None and not ({'file', 'taxonomy'} & set(self.class_cue)):
            raise ValueError("class_cue must be a path, dict(file=PATH) or dict(taxonomy="
                             f"NAME); got {class_cue!r}.")
        super().__init__(*args, **kwargs)
        self.lambda_class = lambda_class if self.class_cue is not None else 0.0
        self.lambda_instance = lambda_instance
        self.bla_loss = MODELS.build(bla_loss) if isinstance(bla_loss, dict) else bla_loss
        self.register_buffer('class_cue_matrix', torch.empty(0, dtype=torch.bool),
                             persistent=False)
        self.classnames = getattr(self, 'classnames', None)
        if classnames is not None:
            self.set_classnames(classnames)

    @property
    def uses_instance_cue(self) -> bool:
        return self.lambda_instance > 0

    @property
    def uses_class_cue(self) -> bool:
        return self.lambda_class > 0

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
        field = TOPK_FIELD
        if not has_field(data_samples, field):
            field = next((old for old in LEGACY_FIELDS if has_field(data_samples, old)), None)
            if field is None:
                raise RuntimeError(
                    f"lambda_instance > 0 but the data samples carry no instance cue "
                    f"('{TOPK_FIELD}'): use CUEImageClassifier with "
                    "instance_cue=dict(mode='online'), or the LoadInstanceCue transform with "
                    'a cache from tools/cue/build_instance_cues.py and '
                    f"PackInputs(algorithm_keys=('{TOPK_FIELD}',)), or set lambda_instance=0.")
            warn_renamed(field, LEGACY_FIELDS[field], 'data-sample field (in '
                         'PackInputs(algorithm_keys=...))')
        topk = batch_field(data_samples, field, labels.device)
        return instance_cue_targets(topk, labels, self.num_classes)

    def loss(self, feats: Tuple[torch.Tensor], data_samples: Sequence[DataSample],
             **kwargs) -> dict:
        z = self(feats)
        mixed = has_field(data_samples, 'gt_score')
        target = batch_field(data_samples, 'gt_score' if mixed else 'gt_label', z.device,
                             cat=not mixed)
        losses = dict(loss_cls=self.loss_module(z, target, avg_factor=z.size(0), **kwargs))
        for name, lam, field, make in (
                ('loss_class_cue', self.lambda_class, 'class_cue_target',
                 self.class_cue_targets),
                ('loss_instance_cue', self.lambda_instance, 'instance_cue_target',
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
