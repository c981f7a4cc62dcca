from cue_plugin.datasets.pseudolabel_dataset import PseudolabelDataset
from cue_plugin.utils import inner_dataset


def train_pseudolabel_dataset(runner, who: str) -> PseudolabelDataset:
    """The runner's training set as a :class:`PseudolabelDataset` (through wrappers), or
    an error naming ``who`` needs it."""
    ds = inner_dataset(runner.train_dataloader.dataset, PseudolabelDataset)
    if ds is None:
        raise TypeError(f"{who} needs train_dataloader.dataset of type 'PseudolabelDataset', "
                        f'got {type(runner.train_dataloader.dataset).__name__}.')
    return ds
