"""cue_plugin.utils: data sets inside wrappers, a config's model outside the runner, and
the one reader of the runner's private loop attributes."""
from types import SimpleNamespace

import pytest
from mmengine.config import Config
from mmengine.dataset import BaseDataset, ClassBalancedDataset, RepeatDataset
from mmengine.runner import BaseLoop

from cue_plugin.utils import (build_model_from_cfg, built_loop, inner_dataset,
                              inner_dataset_cfg, train_dataset_cfg)


class _Labelled(BaseDataset):
    METAINFO = dict(classes=('a', 'b'))

    def load_data_list(self):
        return [dict(gt_label=i % 2) for i in range(4)]

    def get_cat_ids(self, i):
        return [self.get_data_info(i)['gt_label']]

    def get_gt_labels(self):
        return [self.get_data_info(i)['gt_label'] for i in range(len(self))]


def test_inner_dataset_walks_in_through_wrappers():
    base = _Labelled()
    # mmengine's wrappers take a BaseDataset; others (CAP's PseudolabelDataset) wrap them.
    wrapped = SimpleNamespace(dataset=ClassBalancedDataset(base, oversample_thr=0.1))
    assert inner_dataset(wrapped, 'get_gt_labels') is base
    assert inner_dataset(wrapped, ClassBalancedDataset) is wrapped.dataset
    assert inner_dataset(RepeatDataset(base, times=2), 'get_gt_labels') is base
    assert inner_dataset(base, _Labelled) is base
    assert inner_dataset(wrapped, 'no_such_attribute') is None


def test_inner_dataset_cfg_stops_at_the_pipeline():
    inner = dict(type='CIFAR100LT', pipeline=[dict(type='PackInputs')])
    cfg = Config(dict(train_dataloader=dict(dataset=dict(
        type='PseudolabelDataset', load_pipeline=[],
        dataset=dict(type='RepeatDataset', times=2, dataset=inner)))))
    assert train_dataset_cfg(cfg) == inner
    assert train_dataset_cfg(cfg) is cfg.train_dataloader.dataset.dataset.dataset  # no copy
    # A wrapper with its own pipeline is where images are loaded: the walk stops there.
    outer = dict(type='Mix', pipeline=[], dataset=inner)
    assert inner_dataset_cfg(outer) is outer
    # No pipeline anywhere: the innermost.
    assert inner_dataset_cfg(dict(dataset=dict(type='A')))['type'] == 'A'


def test_build_model_from_cfg_as_the_runner_does():
    model = dict(type='ImageClassifier', backbone=dict(type='LeNet5', num_classes=0),
                 head=dict(type='LinearClsHead', num_classes=2, in_channels=16,
                           loss=dict(type='LogitAdjustedLoss')))
    preprocessor = dict(type='ClsDataPreprocessor', mean=[1.0], std=[2.0])
    cfg = Config(dict(model=model, data_preprocessor=preprocessor))
    built = build_model_from_cfg(cfg, ['a', 'b'], [3, 1], init_weights=True)
    assert built.data_preprocessor.mean.flatten().tolist() == [1.0]
    assert built.head.loss_module.class_counts.tolist() == [3.0, 1.0]
    assert 'data_preprocessor' not in cfg.model  # the config is left as it was
    # The model's own preprocessor wins over the top-level one.
    cfg.model.data_preprocessor = dict(type='ClsDataPreprocessor', mean=[5.0], std=[1.0])
    assert build_model_from_cfg(cfg).data_preprocessor.mean.flatten().tolist() == [5.0]
    with pytest.raises(ValueError, match='need their counts'):
        build_model_from_cfg(cfg, ['a', 'b'])


class _Loop(BaseLoop):

    def run(self):
        pass


def test_built_loop_answers_which_loops_this_run_built():
    loop = _Loop.__new__(_Loop)
    runner = SimpleNamespace(_train_loop=dict(type='EpochBasedTrainLoop'), _val_loop=None,
                             _test_loop=loop)
    assert built_loop(runner, 'train') is None  # configured, not built: not training
    assert built_loop(runner, 'val') is None
    assert built_loop(runner, 'test') is loop
    with pytest.raises(ValueError, match="one of"):
        built_loop(runner, 'predict')
