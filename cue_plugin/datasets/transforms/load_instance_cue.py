import numpy as np
from mmcv.transforms import BaseTransform

from cue_plugin.cues import LEGACY_FIELDS, TOPK_FIELD
from cue_plugin.cues.instance_cue_cache import load_cache
from cue_plugin.registry import TRANSFORMS
from cue_plugin.utils import warn_renamed


@TRANSFORMS.register_module()
class LoadInstanceCue(BaseTransform):
    """Put the cached instance cue of a sample's view (its top-k zero-shot classes) into
    ``results['instance_cue_topk']``.

    Place it after ``RandomFlip`` (it reads ``results['flip']``) and pack it with
    ``PackInputs(algorithm_keys=('instance_cue_topk',))``. The cache comes from
    ``tools/cue/build_instance_cues.py``; ``InstanceCueCacheHook`` checks before training
    that it was built for this class list, data, pipeline and CLIP weights.

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
                                 f'set {type(self).__name__}(allow_approximate=True) to use '
                                 'it.')
            self._topk, self._approximate = topk, bool(meta.get('approximate'))
        return self._topk

    def transform(self, results: dict) -> dict:
        topk = self._load()
        idx = results.get('sample_idx')
        if idx is None or not 0 <= idx < len(topk):
            raise IndexError(f'{type(self).__name__}: sample_idx {idx} outside the '
                             f"{len(topk)} images of '{self.cache_file}'.")
        flipped = bool(results.get('flip')) and \
            results.get('flip_direction', 'horizontal') == 'horizontal'
        view = 0 if self._approximate or topk.shape[1] == 1 else int(flipped)
        results[TOPK_FIELD] = np.asarray(topk[idx, view], dtype=np.int64)
        # Until the deprecated names go: a config that still packs the old field name
        # (PackInputs(algorithm_keys=('vlm_cue',))) gets it; the head warns when it reads it.
        for old, new in LEGACY_FIELDS.items():
            results[old] = results[new]
        return results

    def __repr__(self):
        return f'{type(self).__name__}(cache_file={self.cache_file!r})'


@TRANSFORMS.register_module()
class LoadVLMCue(LoadInstanceCue):
    """Deprecated name of :class:`LoadInstanceCue` (the cue is the instance cue; a VLM is
    its source). Works as before, with a warning, until the next release."""

    def __init__(self, *args, **kwargs):
        warn_renamed('LoadVLMCue', 'LoadInstanceCue', 'transform')
        super().__init__(*args, **kwargs)
