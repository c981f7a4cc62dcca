"""The README's recipes as written: the offline CAP command points every loader at the
given root and its data sets build there; the methods are documented in the repository."""
import glob
import os
import os.path as osp
import re
import shlex

from cue_plugin.apis.cli import train_args, train_config
from cue_plugin.registry import DATASETS
from fake_data import make_fake_eurosat
from test_registry_names import ALIASES, registered

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
README = osp.join(REPO, 'README.md')


def _readme():
    with open(README, encoding='utf-8') as f:
        return f.read()


def _command_after(marker):
    text = _readme()
    block = re.search(re.escape(marker) + r'.*?```bash\n(.*?)```', text, re.S)
    assert block, f'no bash block after {marker!r} in README.md'
    return shlex.split(block.group(1).replace('\\\n', ' '))


def _data_roots(obj, path=''):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == 'data_root':
                yield path, v
            yield from _data_roots(v, f'{path}.{k}')
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from _data_roots(v, f'{path}.{i}')


def test_offline_cap_recipe_points_every_loader_at_the_root(tmp_path):
    argv = _command_after('Offline on a tiny random CLIP (as the tests)')
    assert argv[:2] == ['python', 'tools/train.py']
    root = make_fake_eurosat(str(tmp_path / 'eurosat'), num_classes=3, per_class=3)['root']
    argv = [a.replace('/tmp/eurosat', root) for a in argv[2:]]
    argv[0] = osp.join(REPO, argv[0])
    cfg = train_config(train_args(argv))
    roots = []
    for field in ('train_dataloader', 'val_dataloader', 'test_dataloader', 'custom_hooks'):
        roots += [(field + p, r) for p, r in _data_roots(cfg.get(field))]
    assert len(roots) >= 3
    assert all(r == root for _, r in roots), [x for x in roots if x[1] != root]
    for field in ('val_dataloader', 'test_dataloader'):
        assert len(DATASETS.build(dict(cfg[field].dataset, pipeline=[]))) > 0
    train_pool = dict(cfg.train_dataloader.dataset.dataset, pipeline=[])
    assert len(DATASETS.build(train_pool)) > 0


def _relative_links(path):
    with open(path, encoding='utf-8') as f:
        text = f.read()
    links = re.findall(r'\]\(([^)#\s]+)(?:#[^)]*)?\)', text)
    return [link for link in links if '://' not in link and not link.startswith('mailto:')]


def test_methods_are_documented_in_the_repository():
    text = _readme()
    assert 'SPEC.md' not in text, 'README cites SPEC.md, which is not in the repository'
    assert 'docs/methods.md' in _relative_links(README)
    methods = osp.join(REPO, 'docs', 'methods.md')
    assert 'fidelity.md' in _relative_links(methods)
    with open(methods, encoding='utf-8') as f:
        doc = f.read()
    for formula in ('L_LA = CE(z + tau log pi, y)', 'BCEWithLogits(z + tau_b log pi, T)',
                    'CE_M(z, y) = CE(z + M[y] (1 - onehot(y)), y)'):
        assert formula in doc, formula


def _config_folders():
    """configs/<folder>/ for every folder of configs but the bases."""
    root = osp.join(REPO, 'configs')
    return sorted(osp.join(root, d) for d in os.listdir(root)
                  if osp.isdir(osp.join(root, d)) and d != '_base_')


def test_relative_links_of_readme_and_docs_resolve():
    docs = [README] + [osp.join(REPO, 'docs', f) for f in ('methods.md', 'fidelity.md')]
    docs += [osp.join(folder, 'README.md') for folder in _config_folders()]
    for doc in docs:
        for link in _relative_links(doc):
            target = osp.normpath(osp.join(osp.dirname(doc), link))
            assert osp.exists(target), f'{osp.relpath(doc, REPO)} links {link}: not found'


def test_readme_starts_with_the_two_make_commands():
    """The entry point: set up + demo, set up + tests, before anything else."""
    text = _readme()
    head = text[:text.index('```bash\n')].strip()
    assert head.startswith('# ') and '\n' not in head, 'only the title comes before them'
    first = re.search(r'```bash\n(.*?)```', text, re.S).group(1)
    lines = [line.split('#')[0].strip() for line in first.splitlines()]
    assert lines == ['make demo', 'make test'], lines


def test_every_config_folder_has_a_readme_naming_each_config():
    """As mmpretrain's configs/<method>/README.md: each folder's README names every config
    below it (configs/cap/baselines/ in configs/cap/README.md), and each configs/... path in
    its commands exists."""
    folders = _config_folders()
    assert {osp.basename(f) for f in folders} >= {
        'lift', 'cue', 'cap', 'peft', 'lt_baselines', 'mmpretrain_mix', 'demo'}
    for folder in folders:
        readme = osp.join(folder, 'README.md')
        assert osp.isfile(readme), f'{osp.relpath(folder, REPO)} has no README.md'
        with open(readme, encoding='utf-8') as f:
            text = f.read()
        configs = glob.glob(osp.join(folder, '**', '*.py'), recursive=True)
        assert configs, folder
        missing = sorted(osp.relpath(c, REPO) for c in configs
                         if not re.search(r'(?<![\w.])' + re.escape(osp.basename(c)), text))
        assert not missing, f'{osp.relpath(readme, REPO)} does not mention {missing}'
        for path in re.findall(r'(configs/[\w/]+\.py)', text):
            assert osp.isfile(osp.join(REPO, path)), f'{osp.relpath(readme, REPO)}: {path}'


def _components_table():
    """``[(kind, [names])]`` of the README's Components table, in its order."""
    text = _readme()
    section = re.search(r'^## Components\b.*?\n(.*?)^## ', text, re.S | re.M)
    assert section, 'README.md has no "## Components" section'
    rows = []
    for line in section.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if len(cells) < 3 or cells[0] in ('kind', '') or set(cells[0]) <= set('-'):
            continue
        rows.append((cells[0], re.findall(r'`(\w+)`', cells[1])))
    return rows


def test_components_table_lists_every_registered_name_by_type():
    """Every name cue_plugin registers (the walk of test_registry_names.py; deprecated
    aliases may stay out) is in the table, every name there is registered, and the rows
    of one kind are together (the table is sorted by component type)."""
    rows = _components_table()
    listed = [name for _, names in rows for name in names]
    registered_names = {name for _, name, _ in registered()}
    aliases = {key.split('/', 1)[1] for key in ALIASES}
    missing = sorted(registered_names - aliases - set(listed))
    assert not missing, f'README.md Components table misses registered {missing}'
    unknown = sorted(set(listed) - registered_names)
    assert not unknown, f'README.md Components table lists unregistered {unknown}'
    assert len(listed) == len(set(listed)), 'a name is listed twice'
    kinds = [kind for kind, _ in rows]
    scattered = sorted({k for i, k in enumerate(kinds) if k in kinds[:i] and kinds[i - 1] != k})
    assert not scattered, f'rows of kind {scattered} are not together'
