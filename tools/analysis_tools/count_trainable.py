# Trainable parameters of configs' models, as a markdown table (weights are not loaded:
# counts do not depend on them). Default: LIFT's AdaptFormer config and every PEFT variant.
#   python tools/analysis_tools/count_trainable.py [CONFIG ...]
import argparse
import glob
import os.path as osp

from mmengine.config import Config

import cue_plugin  # noqa: F401
from cue_plugin.utils import build_model_from_cfg

DEFAULT = ['configs/lift/clip_b16_cifar100lt.py'] + sorted(
    glob.glob('configs/peft/lift_clip_b16_cifar100lt_*.py'))


def count(path: str) -> dict:
    cfg = Config.fromfile(path)
    for key in ('backbone', 'teacher'):
        if cfg.model.get(key) and cfg.model[key].get('type') == 'OpenCLIPViT':
            cfg.model[key].pretrained = None
    model = build_model_from_cfg(cfg)
    n = {name: sum(p.numel() for p in getattr(model, name).parameters() if p.requires_grad)
         for name in ('backbone', 'head')}
    peft = cfg.model.backbone.get('peft')
    name = peft.get('type') if peft else '-'
    if name == 'VPT':
        name += '-deep' if peft.get('deep') else '-shallow'
    added = ('mlp_parallel', 'mlp_sequential', 'modulations', 'token_hooks', 'lora_')
    tower = sum(p.numel() for n, p in model.backbone.visual.named_parameters()
                if not any(a in n for a in added))
    return dict(config=path, peft=name, **n, total=n['backbone'] + n['head'], clip=tower)


def main():
    p = argparse.ArgumentParser(description='Count trainable parameters')
    p.add_argument('configs', nargs='*', default=DEFAULT)
    args = p.parse_args()
    print('| PEFT | config | trainable in backbone | head | total | % of the image tower |')
    print('|---|---|---:|---:|---:|---:|')
    for path in args.configs:
        r = count(path)
        print(f"| {r['peft']} | `{osp.relpath(r['config'])}` | {r['backbone']:,} | "
              f"{r['head']:,} | {r['total']:,} | {100 * r['backbone'] / r['clip']:.2f}% |")


if __name__ == '__main__':
    main()
