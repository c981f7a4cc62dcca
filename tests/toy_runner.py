"""A seconds-long training run through tools/train.py with our default runtime: a toy
classifier (with dropout) on points whose augmentation is drawn in the loader workers,
and hooks that kill the process at a chosen moment (kill -9 mid-epoch or mid-save)."""
import os
import os.path as osp
import random
import signal
import socket
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.fileio import LocalBackend
from mmengine.hooks import Hook
from mmengine.model import BaseModel

from cue_plugin.registry import DATASETS, HOOKS, MODELS

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
TESTS = osp.dirname(osp.abspath(__file__))


@DATASETS.register_module()
class ToyAugDataset(torch.utils.data.Dataset):
    """``n`` fixed points; each read adds noise from numpy's and Python's global RNGs,
    like mmcv's random transforms do in a loader worker."""

    metainfo = dict(classes=('neg', 'pos'))

    def __init__(self, n: int = 48):
        rs = np.random.RandomState(0)
        self.x = rs.randn(n, 4).astype(np.float32)
        self.y = (self.x.sum(1) > 0).astype(np.int64)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        noise = np.random.normal(0, 0.5, 4) + random.random()
        return dict(inputs=torch.from_numpy(self.x[i] + noise.astype(np.float32)),
                    labels=torch.tensor(self.y[i]))


@MODELS.register_module()
class ToyClassifier(BaseModel):

    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(4, 8)
        self.fc2 = torch.nn.Linear(8, 2)
        self.drop = torch.nn.Dropout(0.3)  # main-process randomness

    def forward(self, inputs, labels=None, mode='tensor'):
        logits = self.fc2(self.drop(torch.relu(self.fc1(inputs))))
        if mode == 'loss':
            return dict(loss_cls=F.cross_entropy(logits, labels))
        return logits


@HOOKS.register_module()
class ToyKillHook(Hook):
    """kill -9 this process at training iteration ``at_iter`` (0-based, counted over
    the run), or halfway through writing the ``in_save``-th checkpoint (1-based)."""

    def __init__(self, at_iter: int = -1, in_save: int = -1):
        self.at_iter, self.in_save, self.saves = at_iter, in_save, 0

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if runner.iter == self.at_iter:
            os.kill(os.getpid(), signal.SIGKILL)

    def before_save_checkpoint(self, runner, checkpoint):
        self.saves += 1
        if self.saves != self.in_save:
            return

        def dying_put(backend, obj, filepath):
            with open(filepath, 'wb') as f:
                f.write(obj[:len(obj) // 2])
                f.flush()
            os.kill(os.getpid(), signal.SIGKILL)

        LocalBackend.put = dying_put


def write_config(folder: str, lr: float = 0.1, num_workers: int = 2, kill: dict = None,
                 milestones=(2, ), gamma: float = 0.1, name: str = 'toy.py') -> str:
    """A train config on the repository's default runtime (checkpoint, seed hooks)."""
    hooks = [dict(type='ToyKillHook', **kill)] if kill else []
    text = f'''
_base_ = {osp.join(REPO, 'configs/_base_/default_runtime.py')!r}
custom_imports = dict(imports=['cue_plugin', 'toy_runner'], allow_failed_imports=False)
custom_hooks = {hooks!r}
model = dict(type='ToyClassifier')
train_dataloader = dict(
    batch_size=8, num_workers={num_workers}, persistent_workers={num_workers > 0},
    dataset=dict(type='ToyAugDataset'), sampler=dict(type='DefaultSampler', shuffle=True))
train_cfg = dict(by_epoch=True, max_epochs=3)
optim_wrapper = dict(optimizer=dict(type='SGD', lr={lr}, momentum=0.9))
param_scheduler = dict(type='MultiStepLR', milestones={list(milestones)!r}, gamma={gamma!r})
default_hooks = dict(logger=dict(interval=1))
'''
    path = osp.join(folder, name)
    os.makedirs(folder, exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)
    return path


def free_port() -> int:
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def train(config: str, work_dir: str, *args: str, ranks: int = 0):
    """tools/train.py in a subprocess (``ranks`` gloo processes under torchrun if > 0):
    (returncode, stdout + stderr)."""
    env = dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join([REPO, TESTS, os.environ.get('PYTHONPATH', '')]))
    launch = [sys.executable]
    if ranks:
        launch += ['-m', 'torch.distributed.run', f'--nproc_per_node={ranks}',
                   f'--master_port={free_port()}']
        args += ('--launcher', 'pytorch')
    proc = subprocess.run([*launch, 'tools/train.py', config, '--work-dir', work_dir, *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


def weights(path: str) -> dict:
    return torch.load(path, map_location='cpu', weights_only=False)['state_dict']
