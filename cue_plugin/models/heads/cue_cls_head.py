from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmpretrain.structures import DataSample

from cue_plugin.cues import (builtin_taxonomy, instance_cue_targets, load_class_cue,
                             neighbour_matrix, taxonomy_neighbours)
from cue_plugin.fileio import resolve_resource
from cue_plugin.registry import MODELS
from .cosine_cls_head import CosineClsHead


@MODELS.register_module()
class CUEClsHead(CosineClsHead):
    """Cosine head trained with CUE's objective (concept-aware multi-label expansion):

    ``L = L_LA(z, y) + lambda_llm * L_BLA(z, T_llm[y]) + lambda_vlm * L_BLA(z, T_vlm(x))``

    T_llm is the class cue (a C x C neighbour matrix from a class-cue file or a taxonomy);
    T_vlm the instance cue: each sample's ``vlm_cue`` field (top-k zero-shot classes) set
    by :class:`CUEImageClassifier` (online teacher) or the ``LoadVLMCue`` transform (cache).
    Either cue is switched off by setting its lambda to 0 or ``class_cue=None``.

    Args:
        class_cue (str | dict, optional): a class-cue file path, ``dict(file=PATH)`` or
            ``dict(taxonomy='cifar100' | 'fashion_mnist')``. None disables the class cue.
        lambda_llm (float): weight of the class-cue BLA loss. Defaults to 0.5.
        lambda_vlm (float): weight of the instance-cue BLA loss. Defaults to 0.5.
        bla_loss (dict): the BLA loss. Defaults to ``BinaryLogitAdjustedLoss(tau_b=1)``.
        **kwargs: arguments of :class:`CosineClsHead` (``loss`` is the LA loss).
    """

    def __init__(self,
                 *args,
                 class_cue: Union[str, dict, None] = None,
                 lambda_llm: float = 0.5,
                 lambda_vlm: float = 0.5,
                 bla_loss: dict = dict(type='BinaryLogitAdjustedLoss', tau_b=1.0),
                 **kwargs):
        self.class_cue = dict(file=class_cue) if isinstance(class_cue, str) else class_cue
        if self.class_cue is not None and not ({'file', 'taxonomy'} & set(self.class_cue)):
            raise ValueError("CUEClsHead.class_cue must be a path, dict(file=PATH) or "
                             f"dict(taxonomy=NAME); got {class_cue!r}.")
        super().__init__(*args, **kwargs)
        self.lambda_llm = lambda_llm if self.class_cue is not None else 0.0
        self.lambda_vlm = lambda_vlm
        self.bla_loss = MODELS.build(bla_loss) if isinstance(bla_loss, dict) else bla_loss
        self.register_buffer('class_cue_matrix', torch.empty(0, dtype=torch.bool),
                             persistent=False)
        if self.classnames is not None:
            self._build_class_cue()

    @property
    def uses_instance_cue(self) -> bool:
        return self.lambda_vlm > 0

    def set_classnames(self, classnames: Sequence[str], source: str = 'classnames') -> None:
        super().set_classnames(classnames, source)
        if hasattr(self, 'class_cue_matrix'):
            self._build_class_cue()

    def _build_class_cue(self) -> None:
        if self.class_cue is None or self.lambda_llm == 0:
            return
        if 'file' in self.class_cue:
            path = resolve_resource(self.class_cue['file'], 'class_cues')
            neighbours = load_class_cue(path, self.classnames)
        else:
            neighbours = taxonomy_neighbours(self.classnames,
                                             builtin_taxonomy(self.class_cue['taxonomy']))
        m = neighbour_matrix(self.num_classes, neighbours, self.classnames)
        self.class_cue_matrix = m.to(self.class_cue_matrix.device)

    def class_cue_targets(self, labels: torch.Tensor) -> torch.Tensor:
        if self.class_cue_matrix.numel() == 0:
            raise RuntimeError(
                'CUEClsHead has a class cue but no class names to resolve it: add '
                "custom_hooks=[dict(type='ClassMetaHook')] or set model.head.classnames.")
        return self.class_cue_matrix[labels].float()

    def loss(self, feats: Tuple[torch.Tensor], data_samples: List[DataSample],
             **kwargs) -> dict:
        z = self(feats)
        if 'gt_score' in data_samples[0]:
            raise ValueError('CUEClsHead needs hard labels for its cues; soft gt_score '
                             '(batch augments) is not supported by this head.')
        labels = torch.cat([ds.gt_label for ds in data_samples]).to(z.device)
        losses = dict(loss_la=self.loss_module(z, labels, avg_factor=z.size(0), **kwargs))
        if self.lambda_llm > 0:
            losses['loss_llm'] = self.lambda_llm * self.bla_loss(
                z, self.class_cue_targets(labels))
        if self.uses_instance_cue:
            if 'vlm_cue' not in data_samples[0]:
                raise RuntimeError(
                    'CUEClsHead.lambda_vlm > 0 but the data samples carry no instance cue '
                    "('vlm_cue'): use CUEImageClassifier with instance_cue=dict(mode="
                    "'online'), or the LoadVLMCue transform with a cache from "
                    'tools/build_vlm_cues.py, or set lambda_vlm=0.')
            topk = torch.stack([torch.as_tensor(ds.vlm_cue) for ds in data_samples]).to(z.device)
            losses['loss_vlm'] = self.lambda_vlm * self.bla_loss(
                z, instance_cue_targets(topk, labels, self.num_classes))
        return losses
