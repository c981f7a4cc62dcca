"""Argument handling shared by tools/train.py and tools/test.py (mmpretrain's flags)."""
import argparse
import os
import os.path as osp
from copy import deepcopy
from typing import Optional

from mmengine.config import Config, ConfigDict, DictAction

from cue_plugin.utils.checkpoint import check_checkpoint, latest_complete_checkpoint

def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. model.backbone.arch=CUE-Tiny-ViT '
        'train_cfg.max_epochs=1 (lists as key="[a,b]")')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def train_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--resume', nargs='?', type=str, const='auto',
                        help='resume from a checkpoint path, or the latest one in the '
                        'work dir if no path is given')
    parser.add_argument('--amp', action='store_true',
                        help='enable automatic-mixed-precision training')
    parser.add_argument('--no-validate', action='store_true',
                        help='do not evaluate during training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the lr by actual / base batch size')
    parser.add_argument('--no-pin-memory', action='store_true')
    parser.add_argument('--no-persistent-workers', action='store_true')
    _common(parser)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def test_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Evaluate a checkpoint')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help="checkpoint file, or 'none' to evaluate the "
                        'model as the config builds it (zero-shot baselines)')
    parser.add_argument('--out', help='dump predictions to this pickle file')
    parser.add_argument('--tta', action='store_true',
                        help='test-time augmentation as the config\'s tta_model defines')
    _common(parser)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """A config with ``--cfg-options`` merged in (the analysis and cue tools)."""
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def _work_dir(cfg: Config, args) -> None:
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])


def train_config(args) -> Config:
    # --cfg-options first: after --no-validate has dropped the val loader, an option that
    # touches it could not merge into None; the flags below then win over the options.
    cfg = load_config(args.config, args.cfg_options)
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.launcher = args.launcher
    _work_dir(cfg, args)
    if args.amp:
        # mmpretrain's --amp, except that a CPU-only machine trains in fp32 with a warning
        # instead of failing in AmpOptimWrapper's GPU assertion.
        cfg.optim_wrapper.type = 'AutoAmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        # The newest *complete* checkpoint: mmengine would follow last_checkpoint even to
        # a file a kill cut short or (older versions) deleted.
        latest = latest_complete_checkpoint(cfg.work_dir)
        if latest is None:
            print(f'--resume: no complete checkpoint in {cfg.work_dir}; training from the '
                  'start.')
        cfg.resume, cfg.load_from = latest is not None, latest
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    defaults = ConfigDict(pin_memory=True, persistent_workers=True,
                          collate_fn=dict(type='default_collate'))
    for field in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(field, None) is None:
            continue
        loader = deepcopy(defaults)
        loader.update(cfg[field])
        if args.no_pin_memory:
            loader.pin_memory = False
        if args.no_persistent_workers:
            loader.persistent_workers = False
        cfg[field] = loader
    for field in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(field, None) is not None and not cfg[field].get('num_workers', 0):
            cfg[field].persistent_workers = False  # torch refuses it without workers
    if cfg.get('load_from'):
        if cfg.get('resume'):
            check_checkpoint(cfg.load_from, '--resume', keys=('meta', 'state_dict'))
        else:
            check_checkpoint(cfg.load_from, 'load_from')
    return cfg


def test_config(args) -> Config:
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    _work_dir(cfg, args)
    # 'none': evaluate the config's model as built (e.g. zero-shot CLIP baselines).
    cfg.load_from = None if args.checkpoint.lower() == 'none' else args.checkpoint
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if cfg.get('load_from'):
        check_checkpoint(cfg.load_from, 'checkpoint')
    if args.tta:
        if 'tta_model' not in cfg or 'tta_pipeline' not in cfg:
            raise ValueError(f'--tta: {args.config} defines no tta_model / tta_pipeline.')
        cfg.model = ConfigDict(**cfg.tta_model, module=cfg.model)
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    if args.out:
        cfg.test_evaluator = list(cfg.test_evaluator) if isinstance(
            cfg.test_evaluator, (list, tuple)) else [cfg.test_evaluator]
        cfg.test_evaluator.append(dict(type='DumpResults', out_file_path=args.out))
    return cfg


def _cpu_distributed(cfg: Config) -> None:
    """Let ``--launcher pytorch`` run on CPU-only machines (gloo): mmengine's init_dist
    and DDP wrapper assume a CUDA device per rank."""
    import torch
    import torch.distributed as dist
    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return
    cfg.setdefault('env_cfg', ConfigDict())
    cfg.env_cfg.setdefault('dist_cfg', ConfigDict())
    cfg.env_cfg.dist_cfg.backend = 'gloo'
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(type='MMDistributedDataParallel', device_ids=None)
    else:
        cfg.model_wrapper_cfg.device_ids = None  # CPU modules take no device ids
    if cfg.launcher == 'pytorch' and not dist.is_initialized():
        dist.init_process_group(backend='gloo')


def close_distributed() -> None:
    """End a distributed run cleanly: all ranks meet, then the process group is torn
    down while the interpreter is still whole. Left to interpreter exit, gloo's worker
    threads can still hold pending work objects during finalization and the process
    aborts (SIGABRT, 'terminate called without an active exception') after a run that
    succeeded."""
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def build_runner(cfg: Config):
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner
    _cpu_distributed(cfg)
    return Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
