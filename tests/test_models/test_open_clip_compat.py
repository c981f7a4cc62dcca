"""The installed open_clip's blocks are the shape our PEFT wraps, and setup.cfg pins the
range that has it; a block of another shape is refused with a clear message."""
import configparser
import os.path as osp

import open_clip
import pytest
import torch.nn as nn
from open_clip.transformer import ResidualAttentionBlock
from packaging.requirements import Requirement

from cue_plugin.models.clip import build_open_clip
from cue_plugin.models.peft import PEFTBlock

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TESTED = '>=2.24,<3.4'  # cue_plugin.models.clip.towers.OPEN_CLIP_TESTED


def test_installed_open_clip_block_is_the_shape_we_wrap():
    from cue_plugin.models.peft import check_open_clip_block
    # Fails, naming the version and what changed, on an open_clip that replaced it.
    check_open_clip_block(ResidualAttentionBlock(16, 2))
    model, _, _ = build_open_clip('CUE-Tiny-ViT')
    for blk in model.visual.transformer.resblocks:
        check_open_clip_block(blk)


def test_setup_cfg_pins_the_tested_range():
    cfg = configparser.ConfigParser()
    cfg.read(osp.join(REPO, 'setup.cfg'))
    reqs = [Requirement(r) for r in cfg['options']['install_requires'].split('\n') if r]
    spec = [r for r in reqs if r.name == 'open_clip_torch'][0].specifier
    assert str(spec) == str(Requirement('x' + TESTED).specifier)
    assert spec.contains(open_clip.__version__), \
        f'open_clip_torch {open_clip.__version__} is outside the tested range {spec}'
    assert any(s.operator == '<' for s in spec), 'no upper bound on open_clip_torch'
    with open(osp.join(REPO, 'requirements', 'constraints.txt')) as f:
        pins = [Requirement(line) for line in f.read().split('\n')
                if line.strip() and not line.startswith('#')]
    pinned = [r for r in pins if r.name == 'open_clip_torch']
    assert pinned and spec.contains(str(pinned[0].specifier).lstrip('='))


class OwnAttention(nn.Module):
    """What open_clip's main branch has in place of nn.MultiheadAttention."""

    def __init__(self, dim):
        super().__init__()
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)


def test_block_without_multihead_attention_is_refused_clearly():
    block = ResidualAttentionBlock(16, 2)
    block.attn = OwnAttention(16)
    with pytest.raises(TypeError, match=rf'open_clip_torch {open_clip.__version__}.*'
                       r'OwnAttention, not nn.MultiheadAttention.*open_clip_torch' + TESTED):
        PEFTBlock(block)
    with pytest.raises(TypeError, match='not batch_first'):
        PEFTBlock(ResidualAttentionBlock(16, 2, batch_first=False))
