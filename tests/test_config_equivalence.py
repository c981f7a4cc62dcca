"""Every config under configs/ builds to the same dict as when the digests were recorded.

Restructuring configs (moving keys into bases, dropping keys that repeat a base, sharing
hooks through a runtime base) must not change what a config builds. The fixture
``tests/fixtures/config_digests.json`` holds, for every ``configs/**/*.py`` (bases, leaves and
demos alike), a short sha256 of each top-level key of ``Config.fromfile(path).to_dict()``;
this test recomputes them and names, on a mismatch, the config and its top-level keys that
differ.

Intended differences are declared here, never by regenerating the fixture:

- ``KEY_RENAMES`` / ``VALUE_RENAMES``: config keys (at any depth) and string values
  (registry ``type`` names, ``algorithm_keys`` entries...) renamed on purpose, old -> new.
  The test maps the new names back to the old ones before hashing, so a rename alone
  leaves every digest unchanged.
- ``ALLOWED_DIFFERENCES``: per config (an ``fnmatch`` pattern of its path relative to the
  repository), the top-level keys that may differ, be added or be dropped, each with the
  reason.
- ``EXPECTED_NEW``: configs added on purpose (no digest yet). Any other new config is
  reported with a warning, not failed. A config that has a digest but no file any more
  fails unless ``REMOVED`` names it with the reason.
- ``CONFIG_RENAMES``: config files renamed on purpose, old path -> new path; the new file
  is compared with the old one's digests.

Regenerating the fixture (``python tests/test_config_equivalence.py --write``) records what
the configs build *now*. It is legitimate only (a) at a commit whose configs are the
reference, as the fixture's ``generated_at`` (df1a353, before issue #14's config
restructuring), or (b) after a change that is meant to change what configs build
(a new default, a fixed value), in its own commit that says so; then the entries above
that the new digests make unnecessary are removed in the same commit. Never regenerate to
make a restructuring pass: that is the failure this test exists to catch. To rewrite the
digests at the reference commit (this module, run from a checkout of it)::

    git worktree add --detach /tmp/cfg_ref df1a353
    cp tests/test_config_equivalence.py /tmp/cfg_ref/tests/
    (cd /tmp/cfg_ref && PYTHONPATH=$PWD python tests/test_config_equivalence.py --write \\
        --out "$OLDPWD/tests/fixtures/config_digests.json")
    git worktree remove --force /tmp/cfg_ref

``python tests/test_config_equivalence.py --show CONFIG KEY`` prints a key as the digest
sees it, to compare with the same call at the reference.
"""
import argparse
import fnmatch
import functools
import glob
import hashlib
import json
import os.path as osp
import warnings

import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DIGESTS = osp.join(REPO, 'tests', 'fixtures', 'config_digests.json')

# Config keys renamed on purpose, old name -> new name, wherever they appear in a config.
KEY_RENAMES = {
    # issue #14: one vocabulary for CUE's cues (class cue / instance cue; LLM and VLM are
    # their sources). The head still accepts the old keys, with a warning.
    'lambda_llm': 'lambda_class',
    'lambda_vlm': 'lambda_instance',
    'vlm_cue_cache': 'instance_cue_cache',  # the cached configs' own variable
}
# String values renamed on purpose (registry names, field names given as values), old -> new.
VALUE_RENAMES = {
    # issue #14, as KEY_RENAMES; the old registry names and field still work, with a warning.
    'LoadVLMCue': 'LoadInstanceCue',
    'VLMCueCacheHook': 'InstanceCueCacheHook',
    'vlm_cue': 'instance_cue_topk',  # PackInputs(algorithm_keys=...)
    'work_dirs/vlm_cues/clip_b16_cifar100lt_ir100.npz':
        'work_dirs/instance_cues/clip_b16_cifar100lt_ir100.npz',
    'work_dirs/vlm_cues/clip_b16_cifar100lt_ir100_fast.npz':
        'work_dirs/instance_cues/clip_b16_cifar100lt_ir100_fast.npz',
}
# fnmatch pattern of a config path ('*' also crosses '/') -> {top-level key: why it may differ}.
_CAP_HOOK_PRESETS = 'new: the baselines\' hook lists, defined once in _base_/cap_runtime.py'
_EPOCHS = ('dropped: the variable repeated the schedule base (lift_sgd_10e.py / lift_sgd_20e.py); '
           'param_scheduler and train_cfg are unchanged')
ALLOWED_DIFFERENCES = {
    # issue #14: each CAP data set base inherits cap_pseudolabel.py and fills its loaders.
    'configs/_base_/datasets/cap/*.py': {
        key: 'new: the data set base inherits _base_/datasets/cap_pseudolabel.py and fills '
             'its loaders' for key in (
                 'cap_clip_view', 'cap_load', 'cap_strong_view', 'cap_test_pipeline',
                 'cap_trzsl_evaluator', 'cap_weak_view', 'train_dataloader', 'val_dataloader',
                 'test_dataloader', 'val_evaluator', 'test_evaluator')},
    'configs/_base_/datasets/cap_pseudolabel.py': {
        'cap_trzsl_evaluator': 'new: the TRZSL metric, defined next to the split it mirrors'},
    # Every CAP config (configs/cap/**, the CAP demos) sees cap_runtime.py's presets.
    'configs/cap/*.py': {
        'cap_fpl_hooks': _CAP_HOOK_PRESETS, 'cap_grip_hooks': _CAP_HOOK_PRESETS,
        'cap_zero_shot_hooks': _CAP_HOOK_PRESETS,
        'cap_trzsl_evaluator': 'new: inherited from _base_/datasets/cap_pseudolabel.py'},
    'configs/demo/cap_*.py': {
        'cap_fpl_hooks': _CAP_HOOK_PRESETS, 'cap_grip_hooks': _CAP_HOOK_PRESETS,
        'cap_zero_shot_hooks': _CAP_HOOK_PRESETS,
        'cap_trzsl_evaluator': 'new: inherited from _base_/datasets/cap_pseudolabel.py'},
    # LIFT's ImageNet-LT / Places-LT / iNaturalist configs, their CUE and PEFT children and the
    # demos built on the 20-epoch LIFT demo.
    'configs/*/*clip_b16_imagenetlt*.py': {'epochs': _EPOCHS},
    'configs/*/*clip_b16_placeslt*.py': {'epochs': _EPOCHS},
    'configs/*/*clip_b16_inat2018*.py': {'epochs': _EPOCHS},
    'configs/demo/*_tiny_fashion_mnist_lt*.py': {'epochs': _EPOCHS},
}
# Configs added on purpose: path -> what they are.
EXPECTED_NEW = {
    'configs/_base_/cap_runtime.py': 'issue #14: default_runtime.py + the CAP / FPL / GRIP hooks',
    'configs/_base_/schedules/lift_sgd_20e.py': 'issue #14: the 20-epoch LIFT schedule '
                                                '(iNaturalist 2018, the demos)',
}
# Configs removed on purpose: path -> why.
REMOVED = {}
# Config files renamed on purpose: old path -> new path (compared with the old digests).
CONFIG_RENAMES = {
    # issue #14: the ablations named after the cue they keep, not after its source.
    'configs/cue/clip_b16_cifar100lt_llm_only.py':
        'configs/cue/clip_b16_cifar100lt_class_cue_only.py',
    'configs/cue/clip_b16_cifar100lt_vlm_only.py':
        'configs/cue/clip_b16_cifar100lt_instance_cue_only.py',
}


def config_paths():
    """Every config file under configs/, relative to the repository, sorted."""
    paths = glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    return sorted(osp.relpath(p, REPO).replace(osp.sep, '/') for p in paths)


def _canonical(obj, keys, values):
    """JSON-ready copy of ``obj`` with the renames undone; tuples stay apart from lists."""
    if isinstance(obj, dict):
        return {keys.get(k, k): _canonical(v, keys, values) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return {'__tuple__': [_canonical(v, keys, values) for v in obj]}
    if isinstance(obj, list):
        return [_canonical(v, keys, values) for v in obj]
    if isinstance(obj, str):
        return values.get(obj, obj)
    return obj


def _stable(obj):
    """``default=`` of the JSON dump: a non-JSON value by its type and repr (configs hold
    none today; a repr with a memory address would show up as a difference)."""
    return f'<{type(obj).__module__}.{type(obj).__qualname__}: {obj!r}>'


def digest(value):
    text = json.dumps(value, sort_keys=True, default=_stable, ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@functools.lru_cache(maxsize=None)  # each config is loaded once per session
def config_digests(path, undo_renames=True):
    """{top-level key: digest} of what ``path`` (relative to the repository) builds."""
    cfg = Config.fromfile(osp.join(REPO, path)).to_dict()
    keys = {new: old for old, new in KEY_RENAMES.items()} if undo_renames else {}
    values = {new: old for old, new in VALUE_RENAMES.items()} if undo_renames else {}
    canonical = _canonical(cfg, keys, values)
    return {key: digest(value) for key, value in sorted(canonical.items())}


def allowed(path):
    """{top-level key: reason} that may differ for ``path``."""
    keys = {}
    for pattern, reasons in ALLOWED_DIFFERENCES.items():
        if fnmatch.fnmatch(path, pattern):
            keys.update(reasons)
    return keys


def differing_keys(recorded, current):
    """Sorted top-level keys whose digests differ, are new or are gone."""
    return sorted(k for k in set(recorded) | set(current) if recorded.get(k) != current.get(k))


def _recorded():
    with open(DIGESTS, encoding='utf-8') as f:
        return json.load(f)


def recorded_digests(path):
    """The recorded digests of ``path``, or of the path it had before a declared rename;
    None for a config without a record."""
    configs = _recorded()['configs']
    old = {new: old for old, new in CONFIG_RENAMES.items()}.get(path, path)
    return configs.get(old)


def write_digests(out=DIGESTS):
    """Record every config's digests (see the module docstring for when this is right)."""
    import subprocess
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=REPO,
                            capture_output=True, text=True).stdout.strip()
    data = dict(
        generated_at=commit or 'unknown (not a git checkout)',
        note='tests/test_config_equivalence.py: top-level key -> sha256[:16] of its '
             'canonical JSON. Regenerate only as its docstring says.',
        configs={p: config_digests(p, undo_renames=False) for p in config_paths()})
    # One line per config: a later regeneration shows in a diff as the configs it changed.
    lines = [f'  {json.dumps(p)}: {json.dumps(d, separators=(",", ":"))}'
             for p, d in data['configs'].items()]
    with open(out, 'w', encoding='utf-8') as f:
        f.write('{\n' + ''.join(f' {json.dumps(k)}: {json.dumps(data[k])},\n'
                                 for k in ('generated_at', 'note')))
        f.write(' "configs": {\n' + ',\n'.join(lines) + '\n }\n}\n')
    return data


CURRENT = config_paths()


@pytest.mark.parametrize('path', CURRENT)
def test_config_builds_as_recorded(path):
    recorded = recorded_digests(path)
    if recorded is None:
        if path not in EXPECTED_NEW:
            warnings.warn(f'{path} is new: no recorded digest to compare with '
                          '(add it to EXPECTED_NEW in tests/test_config_equivalence.py)')
        return
    may_differ = allowed(path)
    differ = [k for k in differing_keys(recorded, config_digests(path)) if k not in may_differ]
    assert not differ, (
        f'{path} builds differently from {_recorded()["generated_at"]} in the top-level '
        f'keys {differ} '
        '(new, gone or changed). If that is intended, declare it in '
        'tests/test_config_equivalence.py (KEY_RENAMES / VALUE_RENAMES / '
        'ALLOWED_DIFFERENCES), with the reason.')


def test_allowed_differences_are_needed():
    """Every ALLOWED_DIFFERENCES entry names at least one config and each of its keys
    differs in at least one of them, so the table does not keep stale excuses."""
    for pattern, reasons in ALLOWED_DIFFERENCES.items():
        paths = [p for p in CURRENT if fnmatch.fnmatch(p, pattern) and recorded_digests(p)]
        assert paths, f'ALLOWED_DIFFERENCES[{pattern!r}] matches no recorded config'
        assert all(reasons.values()), f'ALLOWED_DIFFERENCES[{pattern!r}]: give each reason'
        differ = set()
        for path in paths:
            differ.update(differing_keys(recorded_digests(path), config_digests(path)))
        stale = sorted(set(reasons) - differ)
        assert not stale, f'ALLOWED_DIFFERENCES[{pattern!r}]: {stale} no longer differ'


def test_removed_configs_are_declared():
    recorded = _recorded()['configs']
    gone = sorted(set(recorded) - set(CURRENT) - set(REMOVED) - set(CONFIG_RENAMES))
    assert not gone, (f'configs with a recorded digest but no file: {gone} (declare in '
                      'REMOVED or CONFIG_RENAMES)')
    assert all(REMOVED.values()) and all(EXPECTED_NEW.values()), 'give each reason'
    stale_new = sorted(set(EXPECTED_NEW) - set(CURRENT))
    assert not stale_new, f'EXPECTED_NEW names configs that do not exist: {stale_new}'
    for old, new in CONFIG_RENAMES.items():
        assert old in recorded and old not in CURRENT, f'CONFIG_RENAMES: {old} is no rename'
        assert new in CURRENT and new not in recorded, f'CONFIG_RENAMES: {old} -> {new}?'


def test_canonical_form():
    """The digest sees tuples apart from lists, renames undone, key order ignored."""
    keys, values = {'new_key': 'old_key'}, {'NewType': 'OldType'}
    a = _canonical(dict(new_key=dict(type='NewType', topk=(1, ))), keys, values)
    b = _canonical(dict(old_key=dict(topk=(1, ), type='OldType')), {}, {})
    assert digest(a) == digest(b)
    assert digest(_canonical([1], {}, {})) != digest(_canonical((1, ), {}, {}))


def _print_diff(path, key):
    """Debugging aid: the current value of ``key`` in ``path`` (compare against the same
    call in a checkout of the fixture's generated_at)."""
    print(json.dumps(Config.fromfile(osp.join(REPO, path)).to_dict().get(key), indent=1,
                     sort_keys=True, default=_stable))


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--write', action='store_true', help='rewrite the digests')
    parser.add_argument('--out', default=DIGESTS)
    parser.add_argument('--show', nargs=2, metavar=('CONFIG', 'KEY'),
                        help="print a config's top-level key as the digest sees it")
    args = parser.parse_args()
    if args.show:
        _print_diff(*args.show)
    elif args.write:
        print(len(write_digests(args.out)['configs']), 'configs recorded in', args.out)
