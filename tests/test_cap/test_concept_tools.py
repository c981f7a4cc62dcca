"""tools/cap/detect_mismatch.py and tools/cap/enhance_descriptions.py end to end (tiny CLIP, fake
CIFAR, loopback LLM server)."""
import json
import os
import os.path as osp
import re
import subprocess
import sys

import torch

from llm_server import FakeLLM

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = 'configs/lift/clip_b16_cifar100lt.py'


def _opts(root):
    return ['--cfg-options', f'train_dataloader.dataset.data_root={root}',
            f'test_dataloader.dataset.data_root={root}', 'model.backbone.arch=CUE-Tiny-ViT',
            'model.backbone.pretrained=None', 'test_dataloader.num_workers=0']


def _run(*args):
    proc = subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=600, env=dict(os.environ, OPENAI_API_KEY='k'))
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    return proc.stdout


def test_detect_then_enhance(fake_cifar, tmp_path):
    mismatch = str(tmp_path / 'mismatch.json')
    out = _run('tools/cap/detect_mismatch.py', CONFIG, '--out', mismatch, *_opts(fake_cifar))
    m = json.load(open(mismatch))
    assert len(m['classes']) == 100 and re.search(r'\d+ mismatch classes of 100', out)
    if not m['mismatch']:  # a random CLIP may match everything; plant one to go on
        m['mismatch'] = [dict(index=3, name=m['classes'][3], centre=[0.1] * 32)]
        json.dump(m, open(mismatch, 'w'))
    names = [x['name'] for x in m['mismatch']]

    given = tmp_path / 'given.json'
    given.write_text(json.dumps({n: [f'a {n} in the snow', f'a red {n}'] for n in names}))
    desc = str(tmp_path / 'desc.json')
    _run('tools/cap/enhance_descriptions.py', CONFIG, mismatch, '--out', desc, '--given',
         str(given), *_opts(fake_cifar))
    d = json.load(open(desc))
    assert set(d['descriptions']) == set(names) and d['source']['kind'] == 'given'
    first = d['descriptions'][names[0]]
    assert first['description'] in first['candidates']

    def describe(messages):
        name = re.search(r'a photo of a "(.+?)"', messages[-1]['content']).group(1)
        return {'descriptions': [f'{name} number {i}' for i in range(5)]}

    with FakeLLM(raw=describe, faults=['malformed']) as llm:
        _run('tools/cap/enhance_descriptions.py', CONFIG, mismatch, '--out', desc, '--model',
             'fake', '--base-url', llm.url, '--backoff', '0', *_opts(fake_cifar))
        assert len(llm.requests) == len(names) + 1  # one retry after the malformed answer
    d = json.load(open(desc))
    assert d['source']['kind'] == 'llm'
    assert len(d['descriptions'][names[0]]['candidates']) == 5


def test_choose_description_by_hand():
    from cue_plugin.apis.cap_concepts import choose_description
    feats = torch.nn.functional.normalize(torch.tensor([[1.0, 0.0], [0.6, 0.8]]), dim=-1)
    out = choose_description(['a', 'b'], torch.tensor([0.5, 0.9]), lambda d: feats)
    assert out['description'] == 'b'
