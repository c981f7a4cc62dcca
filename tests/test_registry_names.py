"""Every name cue_plugin registers is findable: the class (or function) is called what the
config writes, and it lives in a file named after it, one registered name per file, as in
mmpretrain's ``models/losses/{focal_loss,label_smooth_loss}.py``. So ``grep -rn "class
EuroSAT"`` and ``ls datasets/eurosat.py`` both find what ``type='EuroSAT'`` builds."""
import inspect
import os.path as osp
import re

import mmengine.registry
import mmpretrain.registry
import pytest

import cue_plugin  # noqa: F401  (registers every component)
import cue_plugin.registry

#: Registered names that are not the ``__name__`` of what they build, each with its
#: reason: only deprecated aliases (mmengine's ``register_module(name=[new, old])``)
#: belong here, written ``'<registry>/<old name>': '<class name>'``.
ALIASES = {
    # issue #14: the cues' names (the instance cue; a VLM is its source), until 0.3.
    # Each is a thin subclass that warns (tests/test_utils/test_deprecation.py), beside its new
    # class in the new class's file.
    'transform/LoadVLMCue': 'LoadVLMCue',  # -> LoadInstanceCue
    'hook/VLMCueCacheHook': 'VLMCueCacheHook',  # -> InstanceCueCacheHook
}

#: Registered names whose file is not named after them, each with its reason.
FILE_EXCEPTIONS = {}


def registered():
    """``(registry name, registered name, object)`` of every cue_plugin entry in every
    registry of mmengine, mmpretrain (children of mmengine's, so both are walked) and
    cue_plugin.registry."""
    seen, out = set(), []
    for module in (mmengine.registry, mmpretrain.registry, cue_plugin.registry):
        for registry in vars(module).values():
            if not isinstance(registry, mmengine.registry.Registry) or id(registry) in seen:
                continue
            seen.add(id(registry))
            for name, obj in registry._module_dict.items():
                if getattr(obj, '__module__', '').startswith('cue_plugin'):
                    out.append((registry.name, name, obj))
    return sorted(out, key=lambda entry: entry[:2])


def named_after(stem: str, name: str) -> bool:
    """Whether a file stem is the snake_case of ``name``: lower case, and, underscores
    removed, the name in lower case, each underscore standing before a capital or a digit
    of the name (a word boundary; where an acronym ends is the author's choice:
    ``open_clip_vit.py`` for ``OpenCLIPViT``, ``eurosat_cap.py`` for ``EuroSATCAP``).
    A function's registered name is already snake_case and must be the stem."""
    if name.islower():
        return stem == name
    if stem != stem.lower() or stem.replace('_', '') != name.lower():
        return False
    pos = 0
    for part in stem.split('_')[:-1]:
        pos += len(part)
        if not (name[pos].isupper() or name[pos].isdigit()):
            return False
    return True


ENTRIES = registered()


def test_walk_finds_every_component_type():
    # Guards the walk itself: an empty list would pass every check below.
    kinds = {kind for kind, _, _ in ENTRIES}
    assert {'model', 'dataset', 'transform', 'metric', 'hook'} <= kinds, kinds
    assert len(ENTRIES) >= 60


@pytest.mark.parametrize('kind,name,obj', ENTRIES, ids=[f'{k}/{n}' for k, n, _ in ENTRIES])
def test_name_is_the_class_name(kind, name, obj):
    alias_of = ALIASES.get(f'{kind}/{name}')
    assert obj.__name__ == (alias_of or name), (
        f'{kind} registry: {name!r} builds {obj.__module__}.{obj.__name__}; register the '
        'class under its own name (or list a deprecated alias in ALIASES, with the reason).')


@pytest.mark.parametrize('kind,name,obj', ENTRIES, ids=[f'{k}/{n}' for k, n, _ in ENTRIES])
def test_file_is_named_after_it(kind, name, obj):
    if f'{kind}/{name}' in ALIASES or f'{kind}/{name}' in FILE_EXCEPTIONS:
        return
    stem = osp.splitext(osp.basename(inspect.getfile(obj)))[0]
    assert named_after(stem, obj.__name__), (
        f'{kind} registry: {name!r} is defined in {inspect.getfile(obj)}; move it to a file '
        f'named after it (snake_case of {obj.__name__!r}), one registered class per file.')


@pytest.mark.parametrize('kind,name,obj', ENTRIES, ids=[f'{k}/{n}' for k, n, _ in ENTRIES])
def test_grep_finds_the_definition(kind, name, obj):
    # A class made by a factory and renamed afterwards passes the two checks above but
    # cannot be found by ``grep "class EuroSAT"``.
    word = 'def' if inspect.isfunction(obj) else 'class'
    with open(inspect.getfile(obj), encoding='utf-8') as f:
        source = f.read()
    assert re.search(rf'^{word} {re.escape(obj.__name__)}\b', source, re.M), (
        f'{kind} registry: no "{word} {obj.__name__}" at the top level of '
        f'{inspect.getfile(obj)}; write it as a class (a subclass with class attributes for '
        'a preset, as mmpretrain\'s CIFAR100(CIFAR10)), not through a factory.')


def test_exception_lists_are_not_stale():
    keys = {f'{kind}/{name}' for kind, name, _ in ENTRIES}
    assert not (set(ALIASES) | set(FILE_EXCEPTIONS)) - keys


@pytest.mark.parametrize('stem,name,ok', [
    ('open_clip_vit', 'OpenCLIPViT', True), ('eurosat_cap', 'EuroSATCAP', True),
    ('cifar100_lt', 'CIFAR100LT', True), ('bitfit', 'BitFit', True),
    ('stacked_collate', 'stacked_collate', True), ('coop_split', 'CoOpSplitDataset', False),
    ('tuning', 'BitFit', False), ('ada_ptformer', 'AdaptFormer', False),
    ('OpenCLIPViT', 'OpenCLIPViT', False)])
def test_named_after(stem, name, ok):
    assert named_after(stem, name) is ok
