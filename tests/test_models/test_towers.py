"""models/clip/towers.py is the one module that reads open_clip's private tower internals,
and its helpers compute what open_clip's own forward passes compute."""
import os.path as osp
import re
from glob import glob

import torch

from cue_plugin.models.clip import build_open_clip
from cue_plugin.models.clip.towers import (embed_image, embed_text_tokens, encode_image_tokens,
                                           encode_token_embeddings, image_tokens, pool_image)

PACKAGE = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'cue_plugin')
INTERNALS = re.compile(r'\._embeds\b|\._pool\b|\._global_pool\b|\.attn_mask\b|\.attn\b')
#: Matches outside towers.py, each with its reason.
ALLOWED = {
    # LoRAMultiheadAttention's own attribute: the nn.MultiheadAttention it wraps (its
    # state-dict keys are ``...attn.attn.in_proj_weight``), not open_clip's.
    ('models/peft/lora.py', 'self.attn'),
}


def test_open_clip_internals_only_in_towers():
    found = []
    for path in glob(osp.join(PACKAGE, '**', '*.py'), recursive=True):
        rel = osp.relpath(path, PACKAGE)
        if rel == osp.join('models', 'clip', 'towers.py'):
            continue
        with open(path, encoding='utf-8') as f:
            for n, line in enumerate(f, 1):
                for m in INTERNALS.finditer(line):
                    word = line[:m.end()].split()[-1].split('(')[-1]
                    if (rel, word) not in ALLOWED:
                        found.append(f'{rel}:{n}: {line.strip()}')
    assert not found, 'open_clip internals outside models/clip/towers.py:\n' + '\n'.join(found)


def test_helpers_equal_open_clip_forward():
    torch.manual_seed(0)
    clip, tokenizer, _ = build_open_clip('CUE-Tiny-ViT')
    clip.eval()
    v = clip.visual
    x = torch.randn(2, 3, *v.image_size)
    tokens = tokenizer(['a photo of a cat.', 'a dog'])
    with torch.no_grad():
        assert torch.allclose(encode_image_tokens(v, image_tokens(v, x)), clip.encode_image(x),
                              atol=1e-6)
        assert torch.allclose(embed_image(v, x, linear=True), v._embeds(x), atol=1e-5)
        assert torch.equal(embed_image(v, x), v._embeds(x))
        assert pool_image(v, v.transformer(embed_image(v, x))).shape == (2, v.transformer.width)
        text = encode_token_embeddings(clip, embed_text_tokens(clip, tokens), tokens)
        assert torch.allclose(text, clip.encode_text(tokens), atol=1e-6)
