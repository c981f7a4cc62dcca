"""The real-data check resumes: a finished run is not trained again."""
import json
import os.path as osp

from cue_plugin.apis.real_data_check import _run_once


def test_finished_runs_are_reused_and_others_resume(tmp_path):
    calls = []

    def fake_report(config, work, seed, opts, resume):
        calls.append((config, seed, dict(opts), resume))
        return dict(top1=50.0 + seed)

    work = str(tmp_path / 'lift_la_0')
    first = _run_once(fake_report, 'a.py', work, 0, {'x': 1}, 'sha')
    assert first == {'top1': 50.0} and calls == [('a.py', 0, {'x': 1}, True)]
    with open(osp.join(work, 'report.json')) as f:
        assert json.load(f)['report'] == first
    # Same config, seed, options and tiny CLIP: read back, not run.
    assert _run_once(fake_report, 'a.py', work, 0, {'x': 1}, 'sha') == first
    assert len(calls) == 1
    # Anything else changed: run again (mmengine resumes from the work dir's checkpoint).
    _run_once(fake_report, 'a.py', work, 0, {'x': 2}, 'sha')
    _run_once(fake_report, 'a.py', work, 0, {'x': 2}, 'other-sha')
    assert len(calls) == 3 and all(c[3] for c in calls)
