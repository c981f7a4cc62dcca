"""Throughput, step-time breakdown, peak memory and FLOP utilisation of a config's model
(tools/benchmark_train.py, tools/benchmark_eval.py)."""
import copy
import resource
import time
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper
from mmpretrain.structures import DataSample

from cue_plugin.engine.hooks import set_class_meta
from cue_plugin.registry import MODELS


def _sync(device):
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def peak_memory_gib(device) -> float:
    if device.type == 'cuda':
        return torch.cuda.max_memory_allocated(device) / 2**30
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB (RSS)


def build_for_benchmark(cfg: Config, device: str, num_classes: Optional[int] = None):
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
    model = MODELS.build(model_cfg)
    c = num_classes or model.head.num_classes
    names = [f'class {i}' for i in range(c)]
    counts = [max(1, int(500 * 0.01**(i / max(c - 1, 1)))) for i in range(c)]
    set_class_meta(model, names, counts)
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel('WARNING')  # init_weights dumps every parameter at INFO
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)
    return model.to(device)


def synthetic_batch(batch_size: int, size: int, num_classes: int, device):
    g = torch.Generator().manual_seed(0)
    inputs = torch.randint(0, 256, (batch_size, 3, size, size), generator=g,
                           dtype=torch.uint8)
    labels = torch.randint(0, num_classes, (batch_size, ), generator=g)
    samples = [DataSample().set_gt_label(int(y)) for y in labels]
    return dict(inputs=list(inputs), data_samples=samples)


def count_flops(fn) -> float:
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as counter:
        fn()
    return float(counter.get_total_flops())


def benchmark(cfg: Config, mode: str = 'train', batch_size: int = 128, iters: int = 20,
              warmup: int = 5, device: Optional[str] = None, input_size: int = 224,
              peak_tflops: Optional[float] = None, amp: bool = False) -> dict:
    """Steady-state img/s of a training step (data preprocessing, forward incl. any
    teacher, backward, optimizer) or of evaluation, on synthetic GPU/CPU batches."""
    device = torch.device(device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    model = build_for_benchmark(cfg, device)
    c = model.head.num_classes
    data = synthetic_batch(batch_size, input_size, c, device)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16 if device.type == 'cpu'
                              else torch.float16, enabled=amp)
    if mode == 'train':
        model.train()
        optim = build_optim_wrapper(model, dict(type='OptimWrapper',
                                                optimizer=dict(type='SGD', lr=0.01,
                                                               momentum=0.9)))

        def step(timing=None):
            t0 = time.perf_counter()
            batch = model.data_preprocessor(copy.copy(data), True)
            _sync(device)
            t1 = time.perf_counter()
            with autocast:
                losses = model(**batch, mode='loss')
            loss = sum(v for k, v in losses.items() if 'loss' in k)
            _sync(device)
            t2 = time.perf_counter()
            optim.update_params(loss)
            _sync(device)
            t3 = time.perf_counter()
            if timing is not None:
                for k, v in zip(('preprocess', 'forward', 'backward_step'),
                                (t1 - t0, t2 - t1, t3 - t2)):
                    timing[k] = timing.get(k, 0.0) + v
    else:
        model.eval()

        @torch.no_grad()
        def step(timing=None):
            t0 = time.perf_counter()
            batch = model.data_preprocessor(copy.copy(data), False)
            _sync(device)
            t1 = time.perf_counter()
            with autocast:
                model(**batch, mode='predict')
            _sync(device)
            t2 = time.perf_counter()
            if timing is not None:
                timing['preprocess'] = timing.get('preprocess', 0.0) + t1 - t0
                timing['forward'] = timing.get('forward', 0.0) + t2 - t1

    for _ in range(warmup):
        step()
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device)
    timing = {}
    _sync(device)
    start = time.perf_counter()
    for _ in range(iters):
        step(timing)
    _sync(device)
    elapsed = time.perf_counter() - start
    # nn.MultiheadAttention's fused eval path hides its FLOPs from the counter: count
    # in train mode (same arithmetic) and restore.
    was_training = model.training
    model.train()
    flops = count_flops(step) / batch_size  # per image, forward (+ backward)
    model.train(was_training)
    ips = batch_size * iters / elapsed
    return dict(
        mode=mode, device=str(device), batch_size=batch_size, iters=iters,
        img_per_s=ips, step_ms=1000 * elapsed / iters,
        breakdown_ms={k: 1000 * v / iters for k, v in timing.items()},
        peak_mem_gib=peak_memory_gib(device), gflop_per_img=flops / 1e9,
        mfu=(flops * ips / (peak_tflops * 1e12)) if peak_tflops else None)


def without_cues(cfg: Config) -> Config:
    """The same model on the LIFT path: no instance cue, no class cue."""
    cfg = copy.deepcopy(cfg)
    if cfg.model.get('type') == 'CUEImageClassifier':
        cfg.model.instance_cue = None
    if 'lambda_llm' in cfg.model.head or cfg.model.head.get('type', '').startswith('CUE'):
        cfg.model.head.lambda_llm = 0.0
        cfg.model.head.lambda_vlm = 0.0
    return cfg


def format_result(name: str, r: dict, ref: Optional[dict] = None) -> str:
    parts = [f'{name:<28}', f"{r['img_per_s']:9.1f} img/s", f"{r['step_ms']:8.1f} ms/step",
             ' '.join(f'{k} {v:.1f}' for k, v in r['breakdown_ms'].items()),
             f"peak {r['peak_mem_gib']:.2f} GiB", f"{r['gflop_per_img']:.2f} GFLOP/img",
             f"MFU {100 * r['mfu']:.1f}%" if r['mfu'] is not None else 'MFU n/a (give --peak-tflops)']
    if ref is not None:
        parts.append(f"x{r['img_per_s'] / ref['img_per_s']:.2f} vs {ref['_name']}")
    return ' | '.join(parts)
