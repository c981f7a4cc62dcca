import numpy as np
import torch
import torchvision.transforms.functional as TF
from mmpretrain.structures import DataSample

from cue_plugin.datasets.transforms import CropAt
from cue_plugin.models.tta import AverageLogitsTTA


def test_crop_positions_match_torchvision_five_crop():
    img = np.random.RandomState(0).randint(0, 255, (30, 37, 3), dtype=np.uint8)
    ref = TF.five_crop(torch.from_numpy(img).permute(2, 0, 1), [20, 20])  # tl tr bl br c
    order = ['top_left', 'top_right', 'bottom_left', 'bottom_right', 'center']
    for pos, r in zip(order, ref):
        out = CropAt(20, pos).transform(dict(img=img.copy()))['img']
        assert np.array_equal(out, r.permute(1, 2, 0).numpy()), pos


def test_average_logits_tta():
    logits = [torch.tensor([2.0, 0.0, -1.0]), torch.tensor([0.0, 3.0, 0.0])]
    samples = []
    for z in logits:
        ds = DataSample().set_pred_score(z.softmax(-1))
        ds.set_field(z, 'pred_logits')
        samples.append(ds)
    merged = AverageLogitsTTA._merge(samples)
    mean = (logits[0] + logits[1]) / 2
    assert torch.allclose(merged.pred_score, mean.softmax(-1))
    assert merged.pred_label.item() == 1
