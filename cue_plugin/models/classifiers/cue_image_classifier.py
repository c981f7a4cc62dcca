import copy
from typing import List, Optional

import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample

from cue_plugin.cues import zero_shot_topk
from cue_plugin.registry import MODELS
from ..clip import DEFAULT_TEMPLATE
from .clip_image_classifier import CLIPImageClassifier


@MODELS.register_module()
class CUEImageClassifier(CLIPImageClassifier):
    """CLIP classifier with CUE's instance cue from a frozen zero-shot CLIP teacher.

    ``instance_cue.mode``:

    - ``'online'`` (the reference): each training step the teacher scores the *same
      augmented batch* the student sees, ``100 * cos(image, text("a photo of a {}."))``;
      the true class is masked and the top-k remaining classes go to the head as each
      sample's ``vlm_cue``. The teacher is the backbone's own frozen CLIP with its PEFT
      modules switched off (no second copy), unless the CLIP weights themselves train
      (full fine-tuning), in which case a frozen copy is kept.
    - ``'cached'``: ``vlm_cue`` comes from the data pipeline (``LoadVLMCue`` reading the
      cache ``tools/build_vlm_cues.py`` writes); no teacher forward in training.

    Args:
        instance_cue (dict, optional): ``dict(mode='online'|'cached', k=5,
            template='a photo of a {}.', logit_scale=100.)``. None = no instance cue.
        **kwargs: arguments of :class:`CLIPImageClassifier`.
    """

    def __init__(self, *args, instance_cue: Optional[dict] = dict(mode='online'), **kwargs):
        super().__init__(*args, **kwargs)
        cfg = dict(mode='online', k=5, template=DEFAULT_TEMPLATE, logit_scale=100.0)
        cfg.update(instance_cue or {})
        if cfg['mode'] not in ('online', 'cached'):
            raise ValueError(f"instance_cue.mode must be 'online' or 'cached', got "
                             f"{cfg['mode']!r}.")
        self.instance_cue = cfg if instance_cue is not None else None
        self.register_buffer('zs_text', torch.empty(0), persistent=False)
        self.teacher = None
        if self.instance_cue is not None and self.instance_cue['mode'] == 'online' and \
                getattr(self.backbone, 'clip_weights_trainable', False):
            # CLIP itself trains: the teacher must stay at the initial weights.
            self.teacher = copy.deepcopy(self.backbone)
            self.teacher.requires_grad_(False)

    @property
    def zero_shot_model(self):
        return self.teacher if self.teacher is not None else self.backbone

    @torch.no_grad()
    def zero_shot_logits(self, inputs: torch.Tensor) -> torch.Tensor:
        """``logit_scale * cos(image, text)`` of the frozen CLIP (B x C)."""
        model = self.zero_shot_model
        if self.zs_text.numel() == 0:
            names = self.head.classnames
            if names is None:
                raise RuntimeError('The zero-shot teacher needs class names: add '
                                   "custom_hooks=[dict(type='ClassMetaHook')].")
            self.zs_text = model.encode_class_names(
                names, self.instance_cue['template']).to(inputs.device)
        img = model.zero_shot_features(inputs)
        return self.instance_cue['logit_scale'] * img @ self.zs_text.t()

    def loss(self, inputs: torch.Tensor, data_samples: List[DataSample]) -> dict:
        if self.instance_cue is not None and self.instance_cue['mode'] == 'online' and \
                getattr(self.head, 'uses_instance_cue', False):
            labels = torch.cat([ds.gt_label for ds in data_samples]).to(inputs.device)
            topk = zero_shot_topk(self.zero_shot_logits(inputs), labels,
                                  self.instance_cue['k'])
            for ds, row in zip(data_samples, topk):
                ds.set_field(row, 'vlm_cue')
        return super().loss(inputs, data_samples)

    def train(self, mode: bool = True):
        super().train(mode)
        if self.teacher is not None:
            self.teacher.eval()
        return self
