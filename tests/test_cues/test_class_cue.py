import json
from unittest import mock

import pytest
import torch
from mmengine.logging import MMLogger

from cue_plugin.cues import (CIFAR100_SUPERCLASSES, builtin_taxonomy, load_class_cue,
                             neighbour_matrix, save_class_cue, taxonomy_neighbours)
from recording_logger import RecordingLogger


def test_matrix_rows_follow_spec():
    classes = ['missile', 'rocket', 'missile', 'tank']
    m = neighbour_matrix(4, {1: [3], 3: []}, classes)
    expected = torch.tensor([[1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0], [0, 0, 0, 1]],
                            dtype=torch.bool)
    assert torch.equal(m, expected)  # directional: row 3 does not get 1


def test_indexed_file_keeps_duplicate_names_apart(tmp_path):
    classes = ['missile', 'rocket', 'missile', 'tank']
    path = str(tmp_path / 'c.json')
    summary = save_class_cue(path, classes, {0: [1], 2: [3], 1: [], 3: []})
    assert summary['without_neighbours'] == 2
    nb = load_class_cue(path, classes)
    assert nb[0] == [1] and nb[2] == [3]
    obj = json.load(open(path))
    assert obj['neighbours'][2] == {'index': 2, 'name': 'missile',
                                    'neighbours': [{'index': 3, 'name': 'tank'}]}


def test_name_keyed_reference_format(tmp_path):
    path = tmp_path / 'ref.json'
    path.write_text(json.dumps({'apple': ['pear', 'not a class', 'apple'],
                                'sweet pepper': ['apple']}))
    nb = load_class_cue(str(path), ['apple', 'pear', 'sweet_pepper'])
    assert nb == {0: [1], 2: [0]}


def _load_logged(path, classes):
    log = RecordingLogger()
    with mock.patch.object(MMLogger, 'get_current_instance',
                           return_value=log):
        return load_class_cue(str(path), classes), log


FRUIT = ['apple', 'pear', 'sweet_pepper', 'orange']


def test_name_keyed_all_names_match(tmp_path):
    path = tmp_path / 'ref.json'
    path.write_text(json.dumps({'apple': ['pear'], 'pear': ['apple'], 'sweet pepper': [],
                                'Orange': ['apple', 'sweet_pepper']}))
    nb, log = _load_logged(path, FRUIT)
    assert nb == {0: [1], 1: [0], 2: [], 3: [0, 2]}
    assert log.warnings == []
    assert len(log.infos) == 1 and '4 of its 4 class names match' in log.infos[0]


def test_name_keyed_partial_match_warns(tmp_path):
    path = tmp_path / 'typo.json'
    path.write_text(json.dumps({'apple': ['pear', 'oragne'], 'paer': ['apple'],
                                'sweet pepper': ['apple'], 'orange': []}))
    nb, log = _load_logged(path, FRUIT)
    assert nb == {0: [1], 2: [0], 3: []}
    assert '3 of its 4 class names match' in log.infos[0]
    assert '(1 of those have no entry)' in log.infos[0]
    assert len(log.warnings) == 1
    assert "'paer'" in log.warnings[0] and "'oragne'" in log.warnings[0]
    assert str(path) in log.warnings[0]


@pytest.mark.parametrize('graph, matched', [
    ({'car': ['truck'], 'truck': ['car'], 'bus': ['car'], 'bike': []}, 0),  # another set
    ({'apple': ['pear'], 'car': ['truck'], 'truck': ['car'], 'bus': ['car']}, 1),  # few
    ({}, 0),
])
def test_name_keyed_mismatch_is_refused(tmp_path, graph, matched):
    path = tmp_path / 'other.json'
    path.write_text(json.dumps(graph))
    with pytest.raises(ValueError) as e:
        _load_logged(path, FRUIT)
    msg = str(e.value)
    assert f"'{path}'" in msg and f'{matched} of its {len(graph)} class names match' in msg
    assert "At least 50% of the file's class names must match" in msg
    if graph:
        assert "'truck'" in msg  # names a few unmatched ones


def test_name_keyed_covering_few_classes_is_refused(tmp_path):
    # Every key matches, but the file covers one class of four: most cues would be identity.
    path = tmp_path / 'one.json'
    path.write_text(json.dumps({'apple': ['pear']}))
    with pytest.raises(ValueError, match="without an entry: 'orange', 'pear', 'sweet pepper'"):
        _load_logged(path, FRUIT)


def test_wrong_class_list_is_a_clear_error(tmp_path):
    path = str(tmp_path / 'c.json')
    save_class_cue(path, ['a', 'b'], {0: [1]})
    with pytest.raises(ValueError, match="class 1 is 'b' but the dataset's class 1 is 'c'"):
        load_class_cue(path, ['a', 'c'])
    with pytest.raises(ValueError, match='has 2 classes but the dataset has 3'):
        load_class_cue(path, ['a', 'b', 'c'])
    (tmp_path / 'bad.json').write_text('{"a": 3}')
    with pytest.raises(ValueError, match='neither format'):
        load_class_cue(str(tmp_path / 'bad.json'), ['a'])


def test_loose_taxonomy_warns_and_refuses_a_foreign_map():
    parents = {'apple': 'fruit', 'pear': 'fruit', 'orange': 'fruit', 'car': 'vehicle'}
    log = RecordingLogger()
    with mock.patch.object(MMLogger, 'get_current_instance', return_value=log):
        nb = taxonomy_neighbours(FRUIT, parents, strict=False)
    assert nb == {0: [1, 3], 1: [0, 3], 2: [], 3: [0, 1]}
    assert len(log.warnings) == 1 and "1 of 4 classes" in log.warnings[0]
    assert 'sweet_pepper' in log.warnings[0]
    with pytest.raises(ValueError, match='no parent for 3 of 4 classes'):
        taxonomy_neighbours(FRUIT, {'apple': 'fruit', 'car': 'vehicle'}, strict=False)


def test_cifar100_taxonomy():
    from mmpretrain.datasets.categories import CIFAR100_CATEGORIES
    nb = taxonomy_neighbours(CIFAR100_CATEGORIES, builtin_taxonomy('cifar100'))
    assert len(CIFAR100_SUPERCLASSES) == 20
    assert all(len(v) == 4 for v in nb.values())
    apple = CIFAR100_CATEGORIES.index('apple')
    assert sorted(CIFAR100_CATEGORIES[j] for j in nb[apple]) == [
        'mushroom', 'orange', 'pear', 'sweet_pepper']


def test_fashion_mnist_taxonomy():
    from mmpretrain.datasets.categories import FASHIONMNIST_CATEGORITES as names
    nb = taxonomy_neighbours(names, builtin_taxonomy('fashion_mnist'))
    sneaker = names.index('Sneaker')
    assert sorted(names[j] for j in nb[sneaker]) == ['Ankle boot', 'Sandal']
    assert nb[names.index('Bag')] == []


def test_shipped_reference_graphs_resolve():
    from mmpretrain.datasets.categories import CIFAR100_CATEGORIES

    from cue_plugin.utils.resources import resolve_resource
    nb = load_class_cue(resolve_resource('cifar100.json', 'class_cues'), CIFAR100_CATEGORIES)
    # The CUE authors' graph: about 4 neighbours per class, 7 CIFAR classes left with none.
    assert sum(len(v) for v in nb.values()) == 390
    assert sum(len(nb.get(i, [])) == 0 for i in range(100)) == 7
