from typing import List

import torch
from mmengine.model import BaseTTAModel
from mmpretrain.structures import DataSample

from cue_plugin.registry import MODELS


@MODELS.register_module()
class AverageLogitsTTA(BaseTTAModel):
    """Test-time ensemble averaging the *logits* of the augmented views (LIFT's five-crop
    TTE), then softmax. Heads of this plugin store ``pred_logits``; for other heads the
    softmax scores are averaged instead (mmpretrain's ``AverageClsScoreTTA``)."""

    def merge_preds(self, data_samples_list: List[List[DataSample]]) -> List[DataSample]:
        return [self._merge(samples) for samples in data_samples_list]

    @staticmethod
    def _merge(samples: List[DataSample]) -> DataSample:
        merged = samples[0].new()
        if all('pred_logits' in s for s in samples):
            logits = torch.stack([s.pred_logits for s in samples]).mean(0)
            merged.set_field(logits, 'pred_logits')
            score = logits.softmax(-1)
        else:
            score = torch.stack([s.pred_score for s in samples]).mean(0)
        merged.set_pred_score(score).set_pred_label(score.argmax(-1, keepdim=True))
        return merged
