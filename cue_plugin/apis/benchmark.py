"""Throughput, step-time breakdown, peak memory and FLOP utilisation of a config's model
(tools/benchmarks/benchmark_train.py, tools/benchmarks/benchmark_eval.py)."""
import cProfile
import copy
from contextlib import ExitStack, nullcontext
import io
import pstats
import resource
import tempfile
import time
from typing import Iterator, Optional

import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.optim import AmpOptimWrapper, build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpretrain.structures import DataSample
from torch.autograd import DeviceType
from torch.profiler import ProfilerActivity, profile
from torch.utils.flop_counter import FlopCounterMode

from cue_plugin.cues import TOPK_FIELD
from cue_plugin.structures import DataSampleBatch
from cue_plugin.utils import (build_model_from_cfg, dataset_class_meta, inner_dataset_cfg,
                              init_weights_quietly, set_class_meta)
from .class_cues import shipped_classes


def _sync(device):
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def _mark(timing, device) -> float:
    """Host time after the device caught up, when a breakdown is being taken."""
    if timing is not None:
        _sync(device)
    return time.perf_counter()


def peak_memory_gib(device) -> float:
    if device.type == 'cuda':
        return torch.cuda.max_memory_allocated(device) / 2**30
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB (RSS)


def build_for_benchmark(cfg: Config, device: str, num_classes: Optional[int] = None):
    model = build_model_from_cfg(cfg)
    c = num_classes or model.head.num_classes
    # The training set type's own names when it ships c of them (CIFAR-100), so a
    # name-keyed class cue matches as it would on the real data.
    shipped = shipped_classes(cfg.get('train_dataloader', {}).get('dataset', {})) or []
    names = shipped if len(shipped) == c else [f'class {i}' for i in range(c)]
    counts = [max(1, int(500 * 0.01**(i / max(c - 1, 1)))) for i in range(c)]
    set_class_meta(model, names, counts)
    init_weights_quietly(model)
    return model.to(device)


def synthetic_batch(batch_size: int, size: int, num_classes: int, device,
                    instance_cue_k: int = 0, stacked: bool = False):
    """Random uint8 images and labels; ``instance_cue_k`` > 0 adds a cached instance cue
    (k random classes other than the label), as ``LoadInstanceCue`` would; ``stacked``
    packs the samples as ``stacked_collate`` does."""
    g = torch.Generator().manual_seed(0)
    inputs = torch.randint(0, 256, (batch_size, 3, size, size), generator=g,
                           dtype=torch.uint8)
    labels = torch.randint(0, num_classes, (batch_size, ), generator=g)
    samples = []
    for y in labels:
        ds = DataSample().set_gt_label(int(y))
        if instance_cue_k:
            others = torch.randperm(num_classes, generator=g)
            ds.set_field(others[others != y][:instance_cue_k], TOPK_FIELD)
        samples.append(ds)
    if stacked:
        return dict(inputs=inputs, data_samples=DataSampleBatch.from_samples(samples))
    return dict(inputs=list(inputs), data_samples=samples)


def count_flops(fn) -> float:
    # Compiled graphs run eagerly here: the counter sees every op, nothing recompiles.
    stance = torch.compiler.set_stance('force_eager') if hasattr(
        torch.compiler, 'set_stance') else nullcontext()
    with stance, FlopCounterMode(display=False) as counter:
        fn()
    return float(counter.get_total_flops())


def steady_loader_cfg(loader_cfg, batch_size: int):
    """A copy of a dataloader config for steady-state timing: workers live across
    passes, and no short last batch (a new shape for a compiled model)."""
    loader_cfg = copy.deepcopy(loader_cfg)
    loader_cfg['batch_size'] = batch_size
    loader_cfg['drop_last'] = True
    if loader_cfg.get('num_workers', 0) > 0:
        loader_cfg['persistent_workers'] = True
    return loader_cfg


def real_batches(cfg: Config, mode: str, batch_size: int, model) -> Iterator[dict]:
    """Endless batches from the config's own train (or test) dataloader, workers and
    pipeline included; the model gets the data set's class names and counts."""
    loader_cfg = steady_loader_cfg(cfg.train_dataloader if mode == 'train' else
                                   cfg.test_dataloader, batch_size)
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    set_class_meta(model, *dataset_class_meta(loader.dataset))
    while True:
        yield from loader


def make_step(cfg: Config, mode: str = 'train', batch_size: int = 128,
              device: Optional[str] = None, input_size: int = 224, amp: bool = False,
              real_data: bool = False):
    """The config's model and one training step (data preprocessing, forward incl. any
    teacher, backward, optimizer) or evaluation step, as ``(model, step, device)``.

    ``step(timing=None, flops_pass=False)`` runs one step; with a ``timing`` dict it
    synchronises between phases and adds their host times to it; ``flops_pass`` reuses
    the first batch (the loader's position stays put)."""
    device = torch.device(device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    model = build_for_benchmark(cfg, device)
    c = model.head.num_classes
    if real_data:
        batches = real_batches(cfg, mode, batch_size, model)
        first = next(batches)
    else:
        cue = getattr(model, 'instance_cue', None) or {}
        loader = cfg.train_dataloader if mode == 'train' else cfg.test_dataloader
        first = synthetic_batch(batch_size, input_size, c, device,
                                instance_cue_k=cue.get('k', 5)
                                if cue.get('mode') == 'cached' else 0,
                                stacked=(loader.get('collate_fn') or {}).get('type') ==
                                'stacked_collate')

    def next_batch(flops_pass):
        return next(batches) if real_data and not flops_pass else copy.copy(first)

    optim = None
    if mode == 'train':
        model.train()
        # The config's own optimizer wrapper (AMP, loss scaling and all), as the runner
        # builds it.
        optim = build_optim_wrapper(model, copy.deepcopy(cfg.get('optim_wrapper') or dict(
            type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01, momentum=0.9))))
    else:
        model.eval()

    def autocast():
        # The runner's context (an AMP wrapper's is its autocast); --amp adds autocast
        # where the wrapper has none.
        stack = ExitStack()
        if optim is not None:
            stack.enter_context(optim.optim_context(model))
        if not isinstance(optim, AmpOptimWrapper):
            stack.enter_context(torch.autocast(
                device.type, dtype=torch.bfloat16 if device.type == 'cpu' else torch.float16,
                enabled=amp))
        return stack

    if mode == 'train':

        def step(timing=None, flops_pass=False):
            t0 = time.perf_counter()
            batch = model.data_preprocessor(next_batch(flops_pass), True)
            t1 = _mark(timing, device)
            with autocast():
                losses = model(**batch, mode='loss')
            loss = sum(v for k, v in losses.items() if 'loss' in k)
            t2 = _mark(timing, device)
            optim.update_params(loss)
            t3 = _mark(timing, device)
            if timing is not None:
                for k, v in zip(('preprocess', 'forward', 'backward_step'),
                                (t1 - t0, t2 - t1, t3 - t2)):
                    timing[k] = timing.get(k, 0.0) + v
    else:

        @torch.no_grad()
        def step(timing=None, flops_pass=False):
            t0 = time.perf_counter()
            batch = model.data_preprocessor(next_batch(flops_pass), False)
            t1 = _mark(timing, device)
            with autocast():
                model(**batch, mode='predict')
            t2 = _mark(timing, device)
            if timing is not None:
                timing['preprocess'] = timing.get('preprocess', 0.0) + t1 - t0
                timing['forward'] = timing.get('forward', 0.0) + t2 - t1

    return model, step, device


def benchmark(cfg: Config, mode: str = 'train', batch_size: int = 128, iters: int = 20,
              warmup: int = 5, device: Optional[str] = None, input_size: int = 224,
              peak_tflops: Optional[float] = None, amp: bool = False,
              real_data: bool = False) -> dict:
    """Steady-state img/s of a training step (data preprocessing, forward incl. any
    teacher, backward, optimizer) or of evaluation, on synthetic device-side batches or,
    with ``real_data``, on the config's own dataloader (loading time included)."""
    model, step, device = make_step(cfg, mode, batch_size, device, input_size, amp,
                                    real_data)
    for _ in range(warmup):
        step()
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device)
    # Throughput without per-phase syncs (the host runs ahead as in training), then a
    # few synchronised steps for the breakdown.
    _sync(device)
    start = time.perf_counter()
    for _ in range(iters):
        step()
    _sync(device)
    elapsed = time.perf_counter() - start
    timing, n_breakdown = {}, min(iters, 5)
    for _ in range(n_breakdown):
        step(timing)
    # nn.MultiheadAttention's fused eval path hides its FLOPs from the counter: count
    # in train mode (same arithmetic) and restore.
    was_training = model.training
    model.train()
    flops = count_flops(lambda: step(flops_pass=True)) / batch_size  # per image, forward (+ backward)
    model.train(was_training)
    ips = batch_size * iters / elapsed
    return dict(
        mode=mode, device=str(device), batch_size=batch_size, iters=iters,
        data='real' if real_data else 'synthetic',
        img_per_s=ips, step_ms=1000 * elapsed / iters,
        breakdown_ms={k: 1000 * v / n_breakdown for k, v in timing.items()},
        peak_mem_gib=peak_memory_gib(device), gflop_per_img=flops / 1e9,
        mfu=(flops * ips / (peak_tflops * 1e12)) if peak_tflops else None)


def without_cues(cfg: Config) -> Config:
    """The same model on the LIFT path: no instance cue, no class cue."""
    cfg = copy.deepcopy(cfg)
    if cfg.model.get('type') == 'CUEImageClassifier':
        cfg.model.instance_cue = None
    head = cfg.model.head
    if {'lambda_class', 'lambda_llm'} & set(head) or head.get('type', '').startswith('CUE'):
        for old in ('lambda_llm', 'lambda_vlm'):  # deprecated names: one of each only
            head.pop(old, None)
        head.lambda_class = 0.0
        head.lambda_instance = 0.0
    return cfg


def format_result(name: str, r: dict, ref: Optional[dict] = None) -> str:
    parts = [f'{name:<28}', f"{r['img_per_s']:9.1f} img/s", f"{r['step_ms']:8.1f} ms/step",
             ' '.join(f'{k} {v:.1f}' for k, v in r['breakdown_ms'].items()) or '-',
             f"peak {r['peak_mem_gib']:.2f} GiB", f"{r['gflop_per_img']:.2f} GFLOP/img",
             f"MFU {100 * r['mfu']:.1f}%" if r['mfu'] is not None else 'MFU n/a (give --peak-tflops)']
    if ref is not None:
        parts.append(f"x{r['img_per_s'] / ref['img_per_s']:.2f} vs {ref['_name']}")
    return ' | '.join(parts)


class _TimingDone(Exception):
    """Raised by a timing hook after its last iteration: the loop ends there."""


def runner_for_timing(cfg: Config, batch_size: int, work_dir: str) -> Runner:
    """A runner for the config's training loop as ``tools/train.py`` builds it (its loop,
    loader, hooks, logging, optimizer wrapper), minus validation, checkpoints and
    schedules, with the steady-state loader of :func:`steady_loader_cfg`. It runs until
    a hook raises ``_TimingDone`` (see :func:`_run_until_done`)."""
    cfg = copy.deepcopy(cfg)
    cfg.train_dataloader = steady_loader_cfg(cfg.train_dataloader, batch_size)
    train_cfg = dict(cfg.get('train_cfg') or dict(by_epoch=True))
    train_cfg.update(val_interval=10**9, val_begin=10**9)
    if train_cfg.get('by_epoch', 'max_epochs' in train_cfg) or \
            train_cfg.get('type') == 'EpochBasedTrainLoop':
        train_cfg['max_epochs'] = 10**6
    else:
        train_cfg['max_iters'] = 10**9
    cfg.train_cfg = train_cfg
    for key in ('val_dataloader', 'val_cfg', 'val_evaluator', 'test_dataloader', 'test_cfg',
                'test_evaluator', 'param_scheduler', 'load_from'):
        cfg[key] = None
    cfg.resume = False
    cfg.default_hooks = dict(cfg.get('default_hooks') or {}, checkpoint=None)
    cfg.log_level = 'WARNING'
    cfg.work_dir = work_dir
    return Runner.from_cfg(cfg)


def _run_until_done(runner: Runner, *hooks) -> None:
    for hook, priority in hooks:
        runner.register_hook(hook, priority=priority)
    try:
        runner.train()
    except _TimingDone:
        pass


def benchmark_runner(cfg: Config, batch_size: int = 128, iters: int = 20, warmup: int = 5,
                     device: Optional[str] = None, work_dir: Optional[str] = None,
                     peak_tflops: Optional[float] = None,
                     gflop_per_img: Optional[float] = None) -> dict:
    """Steady-state img/s of mmengine's own training loop on the config: its loader,
    hooks (logging, runtime info, timers), optimizer wrapper and all, as
    ``tools/train.py`` runs it; no validation, no checkpoints, constant learning rate.
    The difference to :func:`benchmark` with ``real_data`` is what the runner costs."""
    device = torch.device(device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    times = {}

    class _Clock(Hook):
        priority = 'LOWEST'

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            if runner.iter + 1 in (warmup, warmup + iters):
                _sync(device)
                times[runner.iter + 1] = time.perf_counter()
                if runner.iter + 1 == warmup and device.type == 'cuda':
                    torch.cuda.reset_peak_memory_stats(device)
            if runner.iter + 1 == warmup + iters:
                raise _TimingDone

    with tempfile.TemporaryDirectory() as tmp:
        _run_until_done(runner_for_timing(cfg, batch_size, work_dir or tmp),
                        (_Clock(), 'LOWEST'))
    elapsed = times[warmup + iters] - times[warmup]
    ips = batch_size * iters / elapsed
    return dict(
        mode='train (runner)', device=str(device), batch_size=batch_size, iters=iters,
        data='real', img_per_s=ips, step_ms=1000 * elapsed / iters, breakdown_ms={},
        peak_mem_gib=peak_memory_gib(device), gflop_per_img=gflop_per_img or float('nan'),
        mfu=(gflop_per_img * 1e9 * ips / (peak_tflops * 1e12))
        if peak_tflops and gflop_per_img else None)


def host_only_config(cfg: Config) -> Config:
    """The config with its compute removed: every ``OpenCLIPViT`` becomes a one-layer,
    8-wide CLIP with one patch of the image size the model sees (no resize in the data
    preprocessor for 32 px loaders), eager and fp32, so each operator costs about what
    launching it costs. Loader, pipeline, data samples, classifier, head, cues,
    optimizer wrapper, hooks and logging stay the config's."""
    cfg = copy.deepcopy(cfg)
    dp = cfg.model.get('data_preprocessor') or cfg.get('data_preprocessor') or {}
    size = 224
    if dp.get('type') == 'ResizeClsDataPreprocessor':
        dp['size'] = size = 32  # the loader's own size: no upsampling
    tiny = dict(embed_dim=8,
                vision_cfg=dict(image_size=size, layers=1, width=8, head_width=8,
                                patch_size=size),
                text_cfg=dict(context_length=77, vocab_size=49408, width=8, heads=1,
                              layers=1))
    for key in ('backbone', 'teacher'):
        part = cfg.model.get(key)
        if part is not None and part.get('type') == 'OpenCLIPViT':
            part.update(arch=tiny, pretrained=None, compile=False, frozen_dtype=None)
    return cfg


def host_overhead(cfg: Config, batch_size: int = 128, iters: int = 30, warmup: int = 5,
                  fill_s: float = 3.0, work_dir: Optional[str] = None,
                  profile_rows: int = 0) -> dict:
    """Host time per iteration of mmengine's training loop on the config with the
    compute removed (:func:`host_only_config`), on CPU: before the timed iterations the
    loader's workers make every batch of a one-epoch data set cut to the iterations run
    (``prefetch_factor`` raised so that the queue holds them all), so the timed
    iterations receive ready batches from idle workers and measure only the main
    process: receiving the batch, data preprocessing, the classifier's and head's
    per-sample work, the optimizer step and the hooks. Torch runs one thread, as the
    host side of a GPU step does. Returns wall and main-process CPU ms per iteration;
    ``profile_rows`` > 0 adds cProfile's top functions."""
    cfg = host_only_config(cfg)
    loader = cfg.train_dataloader
    workers = loader.get('num_workers', 0)
    if workers:
        # A queue deep enough that every timed iteration finds its batch ready, and an
        # epoch that ends with the timed iterations: when the timing starts, the workers
        # have made every batch and sit idle instead of competing for the cores.
        loader['prefetch_factor'] = max(loader.get('prefetch_factor') or 2,
                                        -(-(iters + 1) // workers))
        inner_dataset_cfg(loader['dataset'])['indices'] = (warmup + iters) * batch_size
    clock, prof = {}, cProfile.Profile() if profile_rows else None

    class _Start(Hook):
        def before_train_iter(self, runner, batch_idx, data_batch=None):
            if runner.iter == warmup:
                time.sleep(fill_s)  # the workers fill their queue meanwhile
                clock['t0'], clock['c0'] = time.perf_counter(), time.process_time()
                if prof is not None:
                    prof.enable()

    class _Stop(Hook):
        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            if runner.iter + 1 == warmup + iters:
                clock['t1'], clock['c1'] = time.perf_counter(), time.process_time()
                if prof is not None:
                    prof.disable()
                raise _TimingDone

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            # First before every other hook of the iteration, last after them.
            _run_until_done(runner_for_timing(cfg, batch_size, work_dir or tmp),
                            (_Start(), 'HIGHEST'), (_Stop(), 'LOWEST'))
    finally:
        torch.set_num_threads(threads)
    res = dict(batch_size=batch_size, iters=iters, num_workers=workers,
               wall_ms_per_iter=1000 * (clock['t1'] - clock['t0']) / iters,
               cpu_ms_per_iter=1000 * (clock['c1'] - clock['c0']) / iters)
    if prof is not None:
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats('cumulative').print_stats(profile_rows)
        res['profile'] = out.getvalue()
    return res


def profile_step(cfg: Config, batch_size: int = 128, input_size: int = 32,
                 warmup: int = 8, steps: int = 3, rows: int = 30,
                 device: Optional[str] = None) -> str:
    """A text report of where ``steps`` steady-state training steps spend their time:
    the device's busy fraction of the wall time, and the top operators by device time
    (self time, so nested operators are not counted twice)."""
    model, step, device = make_step(cfg, 'train', batch_size, device, input_size)
    for _ in range(warmup):
        step()
    _sync(device)
    activities = [ProfilerActivity.CPU] + (
        [ProfilerActivity.CUDA] if device.type == 'cuda' else [])
    t0 = time.perf_counter()
    with profile(activities=activities) as prof:
        for _ in range(steps):
            step()
        _sync(device)
    wall = time.perf_counter() - t0
    events = prof.key_averages()
    key = 'self_device_time_total' if device.type == 'cuda' else 'self_cpu_time_total'
    if device.type == 'cuda':
        # Kernels only: an operator's self device time repeats its kernels' time.
        busy = sum(e.self_device_time_total for e in events
                   if e.device_type == DeviceType.CUDA) / 1e6  # us -> s
    else:
        busy = sum(e.self_cpu_time_total for e in events) / 1e6
    lines = [f'{steps} steps of batch {batch_size} on {device}: wall {1000 * wall / steps:.1f} '
             f'ms/step, {"device" if device.type == "cuda" else "CPU"} self time '
             f'{1000 * busy / steps:.1f} ms/step ({100 * busy / wall:.0f}% busy)',
             events.table(sort_by=key, row_limit=rows, max_name_column_width=70)]
    return '\n'.join(lines)
