from mmengine.config import Config

from cue_plugin.apis.benchmark import benchmark, format_result, without_cues
from test_train_test_resume import CUE_CONFIG, REPO


def test_benchmark_reports_throughput_breakdown_memory_and_flops():
    cfg = Config.fromfile(f'{REPO}/{CUE_CONFIG}')
    cfg.merge_from_dict({'model.backbone.arch': 'CUE-Tiny-ViT',
                         'model.backbone.pretrained': None})
    ref = benchmark(without_cues(cfg), batch_size=4, iters=1, warmup=1, peak_tflops=1.0)
    ref['_name'] = 'cues off'
    res = benchmark(cfg, batch_size=4, iters=1, warmup=1, peak_tflops=1.0)
    ev = benchmark(cfg, mode='eval', batch_size=4, iters=1, warmup=1)
    assert without_cues(cfg).model.instance_cue is None
    for r in (ref, res, ev):
        assert r['img_per_s'] > 0 and r['peak_mem_gib'] > 0 and r['gflop_per_img'] > 0
    # The online teacher adds a forward: more FLOPs per image than the LIFT path.
    assert res['gflop_per_img'] > ref['gflop_per_img'] > ev['gflop_per_img']
    assert set(res['breakdown_ms']) == {'preprocess', 'forward', 'backward_step'}
    assert 0 < res['mfu'] and 'vs cues off' in format_result('cue', res, ref)


def test_benchmark_real_dataloader_and_cached_cue(fake_cifar):
    """--real-data pulls the config's own loader; a cached-cue config gets synthetic
    cues (as LoadInstanceCue would give) on synthetic batches."""
    cfg = Config.fromfile(f'{REPO}/{CUE_CONFIG}')
    cfg.merge_from_dict({'model.backbone.arch': 'CUE-Tiny-ViT',
                         'model.backbone.pretrained': None,
                         'train_dataloader.num_workers': 0,
                         'train_dataloader.dataset.data_root': fake_cifar})
    real = benchmark(cfg, batch_size=4, iters=2, warmup=1, real_data=True)
    assert real['data'] == 'real' and real['img_per_s'] > 0
    cached = Config.fromfile(f'{REPO}/configs/cue/clip_b16_cifar100lt_cached.py')
    cached.merge_from_dict({'model.backbone.arch': 'CUE-Tiny-ViT',
                            'model.backbone.pretrained': None})
    res = benchmark(cached, batch_size=4, iters=1, warmup=1)
    # No teacher forward in the step: fewer FLOPs than the online config's step.
    online = benchmark(cfg, batch_size=4, iters=1, warmup=1)
    assert res['gflop_per_img'] < online['gflop_per_img']


def test_benchmark_runner_times_mmengine_training_loop(fake_cifar, tmp_path):
    """--runner: tools/train.py's loop (loader, hooks, logging) on the config, with the
    bare step on the same loader as the reference of the same run."""
    import subprocess
    import sys
    import json
    from cue_plugin.apis.benchmark import benchmark_runner
    cfg = Config.fromfile(f'{REPO}/{CUE_CONFIG}')
    cfg.merge_from_dict({'model.backbone.arch': 'CUE-Tiny-ViT',
                         'model.backbone.pretrained': None,
                         'train_dataloader.num_workers': 0,
                         'train_dataloader.dataset.data_root': fake_cifar})
    res = benchmark_runner(cfg, batch_size=4, iters=3, warmup=2, work_dir=str(tmp_path / 'w'),
                           gflop_per_img=1.0, peak_tflops=1.0)
    assert res['img_per_s'] > 0 and res['iters'] == 3 and 0 < res['mfu']
    assert not list((tmp_path / 'w').rglob('*.pth'))  # no checkpoints written
    out = tmp_path / 'r.json'
    proc = subprocess.run(
        [sys.executable, f'{REPO}/tools/benchmarks/benchmark_train.py', f'{REPO}/{CUE_CONFIG}',
         '--runner', '--batch-size', '4', '--iters', '2', '--warmup', '1', '--json', str(out),
         '--cfg-options', 'model.backbone.arch=CUE-Tiny-ViT', 'model.backbone.pretrained=None',
         'train_dataloader.num_workers=0', f'train_dataloader.dataset.data_root={fake_cifar}'],
        capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'vs bare step, same loader' in proc.stdout
    got = json.loads(out.read_text())
    assert got['config']['mode'] == 'train (runner)' and got['reference']['data'] == 'real'


def test_benchmark_reference_options_give_an_a_b_in_one_run(tmp_path):
    import json
    import subprocess
    import sys
    out = tmp_path / 'ab.json'
    proc = subprocess.run(
        [sys.executable, f'{REPO}/tools/benchmarks/benchmark_train.py', f'{REPO}/{CUE_CONFIG}',
         '--batch-size', '2', '--iters', '1', '--warmup', '1', '--json', str(out),
         '--cfg-options', 'model.backbone.arch=CUE-Tiny-ViT', 'model.backbone.pretrained=None',
         '--reference-options', 'model.backbone.direct_sdpa=False'],
        capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'vs model.backbone.direct_sdpa=False' in proc.stdout
    got = json.loads(out.read_text())
    # Same model and FLOPs: only the attention path differs.
    assert got['reference']['gflop_per_img'] == got['config']['gflop_per_img']


def test_host_overhead_runs_the_loop_with_the_compute_removed(fake_cifar):
    """--host-only: the config's loop, loader (workers, stacked samples), head and hooks
    around a one-layer CLIP; every timed batch was ready (one epoch cut to the
    iterations), and the per-iteration figures are reported."""
    from cue_plugin.apis.benchmark import host_only_config, host_overhead
    cfg = Config.fromfile(f'{REPO}/configs/cue/clip_b16_cifar100lt_fast.py')
    cfg.merge_from_dict({'train_dataloader.num_workers': 2,
                         'train_dataloader.dataset.data_root': fake_cifar})
    tiny = host_only_config(cfg)
    assert tiny.model.backbone.arch['vision_cfg'] == dict(
        image_size=32, layers=1, width=8, head_width=8, patch_size=32)
    assert tiny.model.backbone.compile is False and tiny.data_preprocessor.size == 32
    assert cfg.model.backbone.compile is True  # the caller's config is untouched
    res = host_overhead(cfg, batch_size=4, iters=3, warmup=1, fill_s=0.5,
                        profile_rows=5)
    assert res['iters'] == 3 and res['num_workers'] == 2
    assert res['wall_ms_per_iter'] > 0 and res['cpu_ms_per_iter'] > 0
    assert 'function calls' in res['profile']


def test_summary_marks_targets_and_ratios_to_the_reference(tmp_path):
    import json
    import runpy
    summarize = runpy.run_path(f'{REPO}/tools/benchmarks/summarize.py')['summarize']

    def put(name, data):
        (tmp_path / f'{name}.json').write_text(json.dumps(data))

    put('ref_cue', dict(img_per_s=1000.0, peak_mem_gib=12.0))
    put('train_fast_real', dict(
        config=dict(img_per_s=3500.0, peak_mem_gib=6.5, mfu=0.45, gflop_per_img=104.0),
        reference=dict(img_per_s=4000.0, peak_mem_gib=6.4, mfu=0.35, gflop_per_img=69.0)))
    put('eval_fast_real', dict(config=dict(img_per_s=10000.0, peak_mem_gib=5.0, mfu=0.4)))
    put('build_instance_cues', dict(img_per_s=4000.0, steady_img_per_s=9000.0))
    text = summarize(str(tmp_path), peak_tflops=800.0)
    assert '| CUE online instance cue, real loader | 3,500 | 3.50x | 45.0% | 6.50 |' in text
    # The reference's MFU uses our FLOP count for the same step: 104e9 * 1000 / 800e12.
    assert '| CUE reference code, online instance cue | 1,000 | - | 13.0% | 12.00 |' in text
    assert 'CUE online instance cue >= 3,400 img/s: met (3,500)' in text
    assert 'LIFT path >= 4,500 img/s: NOT met (4,000)' in text
    assert 'cached instance cue >= 4,500 img/s: not measured' in text
    assert 'within 15% of evaluation img/s: met (0.90 of evaluation (steady rate))' in text
