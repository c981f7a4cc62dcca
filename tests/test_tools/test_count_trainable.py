import os.path as osp
import runpy

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_vit_b16_adaptformer_count_matches_formula():
    tool = runpy.run_path(osp.join(REPO, 'tools', 'analysis_tools', 'count_trainable.py'))
    r = tool['count'](osp.join(REPO, 'configs/lift/clip_b16_cifar100lt.py'))
    w, layers, r_ = 768, 12, 4  # ViT-B/16; bottleneck 'auto' for C=100
    assert r['backbone'] == layers * (2 * w + w * r_ + r_ + r_ * w + w + 1)
    assert r['head'] == 100 * w
    import open_clip
    ref = open_clip.create_model('ViT-B-16').visual
    assert r['clip'] == sum(p.numel() for p in ref.parameters())
