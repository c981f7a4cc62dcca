import torch
from mmpretrain.models.utils.data_preprocessor import ClsDataPreprocessor

from cue_plugin.registry import MODELS


@MODELS.register_module()
class CAPDataPreprocessor(ClsDataPreprocessor):
    """``ClsDataPreprocessor`` for the multi-stream batches of
    :class:`PseudolabelDataset`: when ``inputs`` is a dict of streams (labelled,
    pseudo, weak, strong), each stream is converted to RGB and normalised (CLIP mean/std)
    like a plain batch (``default_collate`` stacks, ``pseudo_collate`` lists: both work),
    and the per-stream labels become tensors on the device; a plain batch
    (validation / test) is handled exactly as by ``ClsDataPreprocessor``.

    Args:
        **kwargs: arguments of ``ClsDataPreprocessor`` (mean, std, to_rgb, ...).
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        inputs = data['inputs']
        if not isinstance(inputs, dict):
            return super().forward(data, training)
        out = {name: super(CAPDataPreprocessor, self).forward(
            dict(inputs=x, data_samples=None), False)['inputs'] for name, x in inputs.items()}
        samples = {}
        for key, value in dict(data.get('data_samples') or {}).items():
            if isinstance(value, (list, tuple)):  # pseudo_collate keeps lists of ints
                value = torch.as_tensor(value)
            samples[key] = value
        return dict(inputs=out, data_samples=self.cast_data(samples))
