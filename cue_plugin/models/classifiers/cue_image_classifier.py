import copy
from typing import Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmpretrain.registry import BATCH_AUGMENTS
from mmpretrain.structures import DataSample

from cue_plugin.cues import TOPK_FIELD, zero_shot_topk
from cue_plugin.registry import MODELS
from ..clip import DEFAULT_TEMPLATE
from cue_plugin.structures import batch_field, set_batch_field
from .clip_image_classifier import CLIPImageClassifier


@MODELS.register_module()
class CUEImageClassifier(CLIPImageClassifier):
    """Classifier with CUE's instance cue from a frozen zero-shot CLIP teacher (the VLM),
    and batch augments (Mixup/CutMix) that mix CUE's multi-label targets with the labels.

    ``instance_cue.mode``:

    - ``'online'`` (the reference): each step the teacher scores the *same augmented
      batch* the student sees, ``100 * cos(image, text("a photo of a {}."))``; the true
      class is masked and the top-k remaining classes become each sample's
      ``instance_cue_topk``.
      The teacher is the backbone's own frozen CLIP with PEFT switched off (no second
      copy) unless CLIP's weights train (full/partial fine-tuning, BitFit, LN tuning), then
      a frozen copy is kept; a non-CLIP backbone (ResNet, mmpretrain's ViT) takes a CLIP
      ``teacher`` config. The teacher sees the student's inputs, so normalise with CLIP's
      mean/std.
    - ``'cached'``: ``instance_cue_topk`` comes from the pipeline (``LoadInstanceCue``).

    With ``batch_augments``, the one-hot labels, the class-cue targets and the instance-cue
    targets (computed on the unmixed batch) are mixed with the same weights as the images,
    so the head receives ``gt_score``, ``class_cue_target`` and ``instance_cue_target``.

    Args:
        instance_cue (dict, optional): ``dict(mode='online'|'cached', k=5,
            template='a photo of a {}.', logit_scale=100.)``; None = no instance cue.
        teacher (dict, optional): an ``OpenCLIPViT`` config for the zero-shot teacher when
            the backbone is not CLIP.
        batch_augments (dict, optional): ``dict(augments=[dict(type='Mixup', alpha=0.8),
            ...], probs=None)`` with mmpretrain's batch augments.
        **kwargs: arguments of :class:`CLIPImageClassifier`.
    """

    def __init__(self, *args, instance_cue: Optional[dict] = dict(mode='online'),
                 teacher: Optional[dict] = None, batch_augments: Optional[dict] = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        cfg = dict(mode='online', k=5, template=DEFAULT_TEMPLATE, logit_scale=100.0)
        cfg.update(instance_cue or {})
        if cfg['mode'] not in ('online', 'cached'):
            raise ValueError(f"instance_cue.mode must be 'online' or 'cached', got "
                             f"{cfg['mode']!r}.")
        self.instance_cue = cfg if instance_cue is not None else None
        self.register_buffer('zs_text', torch.empty(0), persistent=False)
        self.teacher = None
        online = self.instance_cue is not None and self.instance_cue['mode'] == 'online'
        if teacher is not None:
            self.teacher = MODELS.build(teacher)
        elif online and not hasattr(self.backbone, 'zero_shot_features'):
            raise ValueError(f'{type(self.backbone).__name__} is not a CLIP backbone: give '
                             "CUEImageClassifier a teacher=dict(type='OpenCLIPViT', ...) for "
                             'the online instance cue, or instance_cue=None.')
        elif online and getattr(self.backbone, 'clip_weights_trainable', False):
            # CLIP's own weights train: the teacher must stay at the initial weights.
            self.teacher = copy.deepcopy(self.backbone)
        if self.teacher is not None:
            self.teacher.requires_grad_(False)
        self.mixers, self.mix_probs = [], None
        if batch_augments:
            augments = batch_augments['augments']
            augments = augments if isinstance(augments, (list, tuple)) else [augments]
            self.mixers = [BATCH_AUGMENTS.build(a) for a in augments]
            self.mix_probs = batch_augments.get('probs')

    @property
    def zero_shot_model(self):
        return self.teacher if self.teacher is not None else self.backbone

    @torch.no_grad()
    def zero_shot_logits(self, inputs: torch.Tensor) -> torch.Tensor:
        """``logit_scale * cos(image, text)`` of the frozen CLIP (B x C)."""
        model = self.zero_shot_model
        if self.zs_text.numel() == 0:
            names = getattr(self.head, 'classnames', None)
            if names is None:
                raise RuntimeError('The zero-shot teacher needs class names: add '
                                   "custom_hooks=[dict(type='ClassMetaHook')].")
            template = (self.instance_cue or {}).get('template', DEFAULT_TEMPLATE)
            self.zs_text = model.encode_class_names(names, template).to(inputs.device)
        img = model.zero_shot_features(inputs)
        scale = (self.instance_cue or {}).get('logit_scale', 100.0)
        return scale * img @ self.zs_text.t()

    def _mix(self, inputs, targets: torch.Tensor):
        if self.mix_probs is None:
            mixer = self.mixers[np.random.randint(len(self.mixers))]
        else:
            mixer = self.mixers[np.random.choice(len(self.mixers), p=self.mix_probs)]
        return mixer(inputs, targets)

    def loss(self, inputs: torch.Tensor, data_samples: Sequence[DataSample]) -> dict:
        head = self.head
        uses_instance_cue = getattr(head, 'uses_instance_cue', False)
        labels = batch_field(data_samples, 'gt_label', inputs.device, cat=True)
        if uses_instance_cue and self.instance_cue is not None and \
                self.instance_cue['mode'] == 'online':
            topk = zero_shot_topk(self.zero_shot_logits(inputs), labels,
                                  self.instance_cue['k'])
            set_batch_field(data_samples, TOPK_FIELD, topk)
        if self.mixers:
            c = head.num_classes
            targets = [('gt_score', F.one_hot(labels, c).float())]
            if getattr(head, 'uses_class_cue', False):
                targets.append(('class_cue_target', head.class_cue_targets(labels)))
            if uses_instance_cue:
                targets.append(('instance_cue_target',
                                head.instance_cue_targets(data_samples, labels)))
            # One mix for all: images and every target get the same weights and partners.
            inputs, mixed = self._mix(inputs, torch.cat([t for _, t in targets], dim=1))
            for j, (field, _) in enumerate(targets):
                set_batch_field(data_samples, field, mixed[:, j * c:(j + 1) * c])
        return super().loss(inputs, data_samples)

    def train(self, mode: bool = True):
        super().train(mode)
        if self.teacher is not None:
            self.teacher.eval()
        return self
