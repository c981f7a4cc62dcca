"""The package's imports go one way (issue 14): pure helpers and math < registered
components < config-driven workflows (``apis``) < ``tools/``.

The imports of every module of ``cue_plugin`` are read with ``ast`` (module level and
inside functions, nothing is imported), and the test fails on an import cycle between
modules, on an import of ``cue_plugin`` inside a function (the usual way to hide a
cycle), on an import from a lower layer into a higher one (``LAYERS``), and on an import
of ``cue_plugin.apis`` from anywhere in the package but ``apis`` itself.
"""
import ast
import os
import os.path as osp
from typing import Dict, List, NamedTuple

PACKAGE = 'cue_plugin'
ROOT = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), PACKAGE)

#: The layer of each part of the package (dotted path below ``cue_plugin``; the longest
#: matching prefix decides, ``''`` is the package's own ``__init__``). A module may import
#: modules of its own layer and of lower ones, never of a higher one. A new sub-package
#: needs a row here (the test says so).
LAYERS = {
    # 0: what every layer may name.
    'version': 0,
    'registry': 0,  # mmpretrain's / mmengine's registries, re-exported
    # 1: generic helpers, no method knowledge (files, devices, checkpoints, runners,
    #    dataset wrappers, building a config's model through the registry).
    'utils': 1,
    # 2: pure libraries: data structures, CUE's cues, CAP's math, the LLM client, CLIP.
    'structures': 2,
    'cues': 2,
    'cap': 2,
    'llm': 2,
    'models.clip': 2,
    # 3: registered components. Models, data sets and metrics do not know the runner.
    'models': 3,
    'datasets': 3,
    'evaluation': 3,
    # 4: runner components (hooks, optimizer wrappers, schedulers) may use the above;
    #    the package's __init__ registers every component.
    'engine': 4,
    '': 4,
    # 5: config-driven workflows, called by tools/ (and tests); nothing imports them.
    'apis': 5,
}

#: Imports of cue_plugin inside a function that are allowed, as
#: ``{(module, imported module): why}``. None is needed today: a function-level import
#: hides a cycle or an upward import from this test, so each entry must say why it is
#: neither.
FUNCTION_LEVEL_ALLOWED: Dict[tuple, str] = {}


class Import(NamedTuple):
    source: str  # importing module, dotted
    target: str  # imported module, dotted
    line: int
    in_function: bool


def _modules() -> Dict[str, str]:
    """``{dotted module name: file}``; a package is named by its ``__init__``."""
    found = {}
    for folder, _, files in os.walk(ROOT):
        for name in files:
            if not name.endswith('.py'):
                continue
            path = osp.join(folder, name)
            parts = osp.relpath(path, osp.dirname(ROOT))[:-3].split(os.sep)
            if parts[-1] == '__init__':
                parts = parts[:-1]
            found['.'.join(parts)] = path
    return found


MODULES = _modules()


def _is_package(module: str) -> bool:
    return MODULES[module].endswith('__init__.py')


def _targets(module: str, node) -> List[str]:
    """The cue_plugin modules an import statement loads, as Python runs it: the named
    module, or for ``from X import name`` the sub-module ``X.name`` when there is one."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        if node.level:
            base = module.split('.')
            if not _is_package(module):
                base = base[:-1]
            base = base[:len(base) - (node.level - 1)]
            origin = '.'.join(base + ([node.module] if node.module else []))
        else:
            origin = node.module
        names = [f'{origin}.{a.name}' if f'{origin}.{a.name}' in MODULES else origin
                 for a in node.names]
    return sorted({n for n in names if n == PACKAGE or n.startswith(PACKAGE + '.')})


def _imports() -> List[Import]:
    found = []
    for module, path in sorted(MODULES.items()):
        with open(path, encoding='utf-8') as f:
            tree = ast.parse(f.read(), path)

        def visit(node, in_function):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    found.extend(Import(module, t, child.lineno, in_function)
                                 for t in _targets(module, child))
                visit(child, in_function or isinstance(
                    child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

        visit(tree, False)
    return found


IMPORTS = _imports()


def _loaded(source: str, target: str) -> List[str]:
    """What importing ``target`` from ``source`` runs: ``target`` and each package above
    it, except the packages ``source`` itself sits in (already being imported) and the
    root package (imported before any of its modules)."""
    parts = target.split('.')
    chain = ['.'.join(parts[:i]) for i in range(2, len(parts) + 1)]
    return [m for m in chain if not (source == m or source.startswith(m + '.'))]


def _layer(module: str):
    rel = module[len(PACKAGE) + 1:] if module != PACKAGE else ''
    keys = [k for k in LAYERS if k == '' or rel == k or rel.startswith(k + '.')]
    return LAYERS[max(keys, key=len)] if keys else None


def _where(imp: Import) -> str:
    path = osp.relpath(MODULES[imp.source], osp.dirname(ROOT))
    return f'{path}:{imp.line} imports {imp.target}'


def test_imports_name_existing_modules():
    # A stale path left by a move would otherwise surface only when that line runs.
    missing = [_where(i) for i in IMPORTS if i.target not in MODULES]
    assert not missing, '\n'.join(missing)


def test_every_module_has_a_layer():
    assert set(LAYERS.values()) == set(range(max(LAYERS.values()) + 1))
    # '' covers every module: list the top-level parts that are not named on their own.
    unnamed = sorted({m.split('.')[1] for m in MODULES if m != PACKAGE}
                     - {k.split('.')[0] for k in LAYERS})
    assert not unnamed, f'cue_plugin parts without a row in LAYERS: {unnamed}'


def test_no_function_level_imports_of_the_package():
    found = [_where(i) for i in IMPORTS
             if i.in_function and (i.source, i.target) not in FUNCTION_LEVEL_ALLOWED]
    assert not found, ('imports of cue_plugin inside functions (import at module level; '
                       'if that makes a cycle, move the code to its layer):\n'
                       + '\n'.join(found))


def test_nothing_in_the_package_imports_apis():
    apis = f'{PACKAGE}.apis'
    found = [_where(i) for i in IMPORTS
             if not (i.source == apis or i.source.startswith(apis + '.'))
             and any(m == apis or m.startswith(apis + '.')
                     for m in _loaded(i.source, i.target))]
    assert not found, ('cue_plugin.apis holds the workflows that tools/ call; the package '
                       'must not import it:\n' + '\n'.join(found))


def test_imports_go_down_the_layers():
    upward = []
    for imp in IMPORTS:
        mine = _layer(imp.source)
        for target in _loaded(imp.source, imp.target):
            theirs = _layer(target)
            if target in MODULES and theirs > mine:
                upward.append(f'{_where(imp)} (layer {mine} -> {target} at layer {theirs})')
    assert not upward, 'imports into a higher layer:\n' + '\n'.join(upward)


def _cycles(edges: Dict[str, set]) -> List[List[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles():
    edges: Dict[str, set] = {}
    for imp in IMPORTS:
        for target in _loaded(imp.source, imp.target):
            if target in MODULES and target != imp.source:
                edges.setdefault(imp.source, set()).add(target)
    cycles = _cycles(edges)
    assert not cycles, 'modules importing each other (directly or through others):\n' + \
        '\n'.join(' <-> '.join(c) for c in cycles)
