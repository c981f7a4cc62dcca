import numpy as np
from mmcv.transforms import BaseTransform

from cue_plugin.cues.vlm_cache import load_cache
from cue_plugin.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadVLMCue(BaseTransform):
    """Put the cached instance cue of a sample's view into ``results['vlm_cue']``.

    Place it after ``RandomFlip`` (it reads ``results['flip']``) and pack it with
    ``PackInputs(algorithm_keys=('vlm_cue',))``. The cache comes from
    ``tools/build_vlm_cues.py``; ``VLMCueCacheHook`` checks before training that it was
    built for this class list, data, pipeline and CLIP weights.

    Args:
        cache_file (str): the ``.npz`` cache.
        allow_approximate (bool): accept a per-image cache built for a pipeline with
            random views (then every view of an image gets the same cue). Defaults to False.
    """

    def __init__(self, cache_file: str, allow_approximate: bool = False):
        self.cache_file = cache_file
        self.allow_approximate = allow_approximate
        self._topk = None
        self._approximate = None

    def _load(self):
        if self._topk is None:
            topk, meta = load_cache(self.cache_file)
            if meta.get('approximate') and not self.allow_approximate:
                raise ValueError(f"'{self.cache_file}' is an approximate per-image cache; "
                                 'set LoadVLMCue(allow_approximate=True) to use it.')
            self._topk, self._approximate = topk, bool(meta.get('approximate'))
        return self._topk

    def transform(self, results: dict) -> dict:
        topk = self._load()
        idx = results.get('sample_idx')
        if idx is None or not 0 <= idx < len(topk):
            raise IndexError(f"LoadVLMCue: sample_idx {idx} outside the {len(topk)} images of "
                             f"'{self.cache_file}'.")
        flipped = bool(results.get('flip')) and \
            results.get('flip_direction', 'horizontal') == 'horizontal'
        view = 0 if self._approximate or topk.shape[1] == 1 else int(flipped)
        results['vlm_cue'] = np.asarray(topk[idx, view], dtype=np.int64)
        return results

    def __repr__(self):
        return f'{type(self).__name__}(cache_file={self.cache_file!r})'
