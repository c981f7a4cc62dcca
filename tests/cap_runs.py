"""Shared by CAP's hook, optimizer, data set and end-to-end tests: the EuroSAT configs at
tiny sizes, the command line run in this interpreter, a runner built from a config, and
plain open_clip features computed independently of the plugin's code."""
import os.path as osp
import sys

import torch
import torch.nn.functional as F
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = {p: f'configs/cap/clip_b32_eurosat_{p.lower()}.py' for p in ('UL', 'SSL', 'TRZSL')}
CLIP_MEAN = torch.tensor([0.48145466, 0.4578275, 0.40821073]) * 255
CLIP_STD = torch.tensor([0.26862954, 0.26130258, 0.27577711]) * 255


def tiny_options(root, ckpt, epochs=2):
    """CUE-Tiny-ViT (1 text layer: MaPLe depth 1), 4 images per stream, 2 iterations."""
    return {
        'train_dataloader.dataset.dataset.data_root': root,
        'val_dataloader.dataset.data_root': root,
        'test_dataloader.dataset.data_root': root,
        'model.clip.arch': 'CUE-Tiny-ViT', 'model.clip.pretrained': ckpt,
        'model.depth': 1, 'model.adapter_hidden': 8,
        'train_cfg.max_epochs': epochs, 'train_cfg.val_interval': 1,
        'param_scheduler.0.end': epochs,
        'train_dataloader.batch_size': 4, 'train_dataloader.dataset.batch_size': 4,
        'train_dataloader.dataset.iters_per_epoch': 2,
        'train_dataloader.num_workers': 0, 'val_dataloader.num_workers': 0,
        'test_dataloader.num_workers': 0, 'default_hooks.logger.interval': 1,
    }


def as_cli(opts):
    return ['--cfg-options'] + [f'{k}={v}' for k, v in opts.items()]


def run_script(tool, *args):
    """``python tools/<tool> ARGS`` in this interpreter (the CLI exactly, without paying
    a fresh interpreter's imports per call)."""
    import runpy
    argv = sys.argv
    sys.argv = [tool, *args]
    try:
        runpy.run_path(osp.join(REPO, tool), run_name='__main__')
    finally:
        sys.argv = argv


def run_tool(tool, *args):
    """:func:`run_script` of a runner tool; returns the run's log file."""
    import glob
    run_script(tool, *args)
    work = args[args.index('--work-dir') + 1]
    logs = sorted(glob.glob(osp.join(work, '*', '*.log')), key=osp.getmtime)
    assert logs, f'no log in {work}'
    with open(logs[-1]) as f:
        return f.read()



def build_runner(config, opts, work_dir, **extra):
    import cue_plugin  # noqa: F401
    from mmengine.runner import Runner
    cfg = Config.fromfile(config if osp.isabs(config) else osp.join(REPO, config))
    cfg.merge_from_dict(dict(opts, **extra))
    cfg.work_dir = str(work_dir)
    cfg.train_dataloader.persistent_workers = False
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    cfg.log_level = 'WARNING'
    return Runner.from_cfg(cfg)


def reference_clip(ckpt):
    """The tiny CLIP as plain open_clip (no MaPLe, no PEFT wrappers)."""
    import open_clip

    from cue_plugin.models.clip import build_open_clip  # registers the tiny configs
    del build_open_clip
    model = open_clip.create_model('CUE-Tiny-ViT')
    model.load_state_dict(torch.load(ckpt, map_location='cpu', weights_only=True))
    return model.eval()


def weak_images(dataset):
    """Unlabelled images under the weak view, normalised by hand (BGR -> RGB, CLIP)."""
    return images_of(dataset, dataset.unlabelled)


def images_of(dataset, indices):
    """Training images ``indices`` under the weak view, normalised by hand."""
    view = dataset.weak_view(indices)
    x = torch.stack([view[j]['inputs'] for j in range(len(view))]).float().flip(1)
    return (x - CLIP_MEAN[:, None, None]) / CLIP_STD[:, None, None]


def reference_zero_shot(ckpt, dataset, classes, prompts=None):
    """Zero-shot image features of the unlabelled images and text features, from plain
    open_clip (independent of the model's code)."""
    ref = reference_clip(ckpt)
    from cue_plugin.models.clip import build_open_clip
    tok = build_open_clip('CUE-Tiny-ViT')[1]
    prompts = prompts or [f'a photo of a {n}.' for n in classes]
    with torch.no_grad():
        text = F.normalize(ref.encode_text(tok(prompts)), dim=-1)
        img = F.normalize(ref.encode_image(weak_images(dataset)), dim=-1)
    return img, text, ref, tok
