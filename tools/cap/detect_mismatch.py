# CAP's concept-mismatch detection on a config's training images: iterative k-means
# (scikit-learn, random_state 42) matching of zero-shot CLIP image clusters to class
# names; writes the mismatch classes with their image centres (for
# tools/cap/enhance_descriptions.py), the matching order and the fewest-predicted classes.
#   python tools/cap/detect_mismatch.py CONFIG --out mismatch.json [--num-remaining T]
#       [--notebook] [--cfg-options ...]
# Default: the paper's stop (ceil(C/10) classes left) intersected with the T classes of
# fewest zero-shot predictions; --notebook: the reference notebook's rule (no
# intersection).
import argparse
import copy

from mmengine.config import DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import cue_plugin  # noqa: F401
from cue_plugin.apis.cap_concepts import find_mismatches, image_features
from cue_plugin.apis.class_cues import frozen_clip_from_config
from cue_plugin.apis.cli import load_config
from cue_plugin.registry import MODELS
from cue_plugin.utils import train_dataset_cfg
from cue_plugin.utils.fileio import atomic_write_json


def main():
    p = argparse.ArgumentParser(description='Detect concept-mismatch classes')
    p.add_argument('config')
    p.add_argument('--out', required=True)
    p.add_argument('--batch-size', type=int, default=256)
    p.add_argument('--num-remaining', type=int,
                   help='classes left when the matching stops (default ceil(C/10))')
    p.add_argument('--notebook', action='store_true',
                   help="the reference notebook's rule: no intersection with the "
                   'fewest-predicted classes')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = p.parse_args()
    cfg = load_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    loader_cfg = copy.deepcopy(cfg.test_dataloader)
    # The training images, through wrappers (CAP's PseudolabelDataset, ...).
    loader_cfg.dataset = copy.deepcopy(train_dataset_cfg(cfg))
    loader_cfg.dataset.pipeline = cfg.test_dataloader.dataset.pipeline
    loader_cfg.batch_size = args.batch_size
    loader = Runner.build_dataloader(loader_cfg)
    classes = list(loader.dataset.metainfo['classes'])
    backbone = frozen_clip_from_config(cfg)
    preproc_cfg = cfg.get('data_preprocessor') or cfg.model.get('data_preprocessor') or {}
    preproc = MODELS.build(dict(preproc_cfg, type=preproc_cfg.get('type',
                                                                  'ClsDataPreprocessor')))

    class Normalised:  # loader yielding preprocessed batches
        def __init__(self, loader):
            self.loader, self.dataset = loader, loader.dataset

        def __iter__(self):
            for data in self.loader:
                yield preproc(data, False)

    feats = image_features(backbone, Normalised(loader))
    text = backbone.encode_class_names(classes)
    result = find_mismatches(feats, text, classes, args.num_remaining,
                             intersect_fewest=not args.notebook)
    atomic_write_json(args.out, result)
    if result['stopped_early']:
        print(f"Warning: the matching stopped with {len(result['remaining'])} classes left: "
              f'fewer images ({len(feats)}) than classes remained to cluster.')
    names = ', '.join(m['name'] for m in result['mismatch']) or 'none'
    print(f'\n{len(result["mismatch"])} mismatch classes of {len(classes)}: {names}')


if __name__ == '__main__':
    main()
