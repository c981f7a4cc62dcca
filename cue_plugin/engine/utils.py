from mmengine.model import is_model_wrapper

from cue_plugin.datasets.pseudolabel_dataset import (PseudolabelDataset,
                                                     as_pseudolabel_dataset)


def unwrap_model(model):
    """The model inside a DDP / mmengine model wrapper (or the model itself)."""
    return model.module if is_model_wrapper(model) else model


def train_pseudolabel_dataset(runner, who: str) -> PseudolabelDataset:
    """The runner's training set as a :class:`PseudolabelDataset` (through wrappers), or
    an error naming ``who`` needs it."""
    ds = as_pseudolabel_dataset(runner.train_dataloader.dataset)
    if ds is None:
        raise TypeError(f"{who} needs train_dataloader.dataset of type 'PseudolabelDataset', "
                        f'got {type(runner.train_dataloader.dataset).__name__}.')
    return ds
