from typing import Optional, Tuple

import numpy as np
import torch
from mmengine.dataset import default_collate
from mmengine.hooks import Hook
from mmengine.utils import ProgressBar
from torch.utils.data import DataLoader

from cue_plugin.cap.pseudolabel import growth_k, select_top_k_per_class
from cue_plugin.datasets.pseudolabel_dataset import as_pseudolabel_dataset
from cue_plugin.fileio import read_json
from cue_plugin.engine.utils import unwrap_model
from cue_plugin.registry import HOOKS


def read_descriptions(path: str, classes) -> dict:
    """``{class index: description}`` from ``tools/enhance_descriptions.py``'s output
    ``{"descriptions": {name: {"index": i, "description": "..."}}}``."""
    obj = read_json(path, 'descriptions file')
    desc = obj.get('descriptions') if isinstance(obj, dict) else None
    if not isinstance(desc, dict):
        raise ValueError(f"descriptions file '{path}' has no 'descriptions' object (write it "
                         'with tools/enhance_descriptions.py).')
    out = {}
    for name, item in desc.items():
        if not isinstance(item, dict) or not isinstance(item.get('description'), str):
            raise ValueError(f"descriptions file '{path}': descriptions[{name!r}] needs a "
                             "'description' string.")
        idx = item.get('index')
        if not isinstance(idx, int) or not 0 <= idx < len(classes):
            raise ValueError(f"descriptions file '{path}': descriptions[{name!r}].index "
                             f'{idx!r} is not a class index 0..{len(classes) - 1}.')
        if classes[idx] != name:
            raise ValueError(f"descriptions file '{path}': descriptions[{name!r}].index = "
                             f'{idx} is class {classes[idx]!r} in this data set.')
        out[idx] = item['description']
    return out


@HOOKS.register_module()
class PseudolabelHook(Hook):
    """CAP / GRIP / FPL pseudolabels of the unlabelled training images (SPEC §3).

    - Before training: the initial set, FPL style: per class the ``k_0 = start`` (16)
      unlabelled images zero-shot CLIP is most confident about (among those it predicts
      as the class), with prompts ``"a photo of a {name}."`` or, given a ``descriptions``
      file from ``tools/enhance_descriptions.py``, the chosen description of each
      mismatch class.
    - With ``growth`` (GRIP, CAP), at epochs ``step, 2 step, ...`` the set is rebuilt with
      ``k_e = growth_k(e, N_u, C)`` per class from the current model's predictions (the
      inference path, :meth:`CAPClassifier.logits`) over all unlabelled images (weak view),
      with a progress bar. Without growth (FPL) the initial set stays.

    In TRZSL only unseen classes are candidates (the unlabelled images are theirs) and C
    counts those. The zero-shot image / text features of the initial pass are kept for
    :class:`CalibratedMarginHook` (recomputed after a resume). The pseudolabels and the
    growth history are saved in checkpoints and restored by ``--resume``.

    Args:
        growth (bool): grow the set at epochs 0, 5, 10, .... Defaults to True.
        start (int): initial pseudolabels per class (FPL: 16).
        max_per_class (int): cap of k_e (1000).
        full_at (int): epoch at which k_e reaches its target (35).
        step (int): growth period in epochs (5).
        descriptions (str, optional): output of ``tools/enhance_descriptions.py``.
        batch_size (int): batch of the pseudolabelling passes. Defaults to 64.
        num_workers (int): workers of the pseudolabelling passes. Defaults to 0.
        progress (bool): show a progress bar over the unlabelled images. Defaults to True.
    """
    priority = 'ABOVE_NORMAL'  # before CalibratedMarginHook: M uses the current set

    def __init__(self, growth: bool = True, start: int = 16, max_per_class: int = 1000,
                 full_at: int = 35, step: int = 5, descriptions: Optional[str] = None,
                 batch_size: int = 64, num_workers: int = 0, progress: bool = True):
        for name, v in (('start', start), ('max_per_class', max_per_class),
                        ('step', step), ('batch_size', batch_size)):
            if not isinstance(v, int) or v < 1:
                raise ValueError(f'PseudolabelHook.{name} must be a positive int, got {v!r}.')
        self.growth, self.start, self.max_per_class = growth, start, max_per_class
        self.full_at, self.step = full_at, step
        self.descriptions = descriptions
        self.batch_size, self.num_workers, self.progress = batch_size, num_workers, progress
        self.pseudolabels: Optional[np.ndarray] = None
        self.history = []  # dict(epoch, k, source, selected, accuracy)
        self._zero_shot: Optional[Tuple[torch.Tensor, torch.Tensor]] = None

    # --------------------------------------------------------------- helpers
    @staticmethod
    def _model(runner):
        return unwrap_model(runner.model)

    @staticmethod
    def _dataset(runner):
        ds = as_pseudolabel_dataset(runner.train_dataloader.dataset)
        if ds is None:
            raise TypeError('PseudolabelHook needs train_dataloader.dataset of type '
                            "'PseudolabelDataset', got "
                            f'{type(runner.train_dataloader.dataset).__name__}.')
        return ds

    def k_at(self, epoch: int, dataset) -> int:
        return growth_k(epoch, len(dataset.unlabelled), len(dataset.candidate_classes),
                        start=self.start, cap=self.max_per_class, full_at=self.full_at,
                        step=self.step)

    def prompts(self, classes) -> list:
        prompts = [f'a photo of a {c.replace("_", " ")}.' for c in classes]
        if self.descriptions:
            for i, d in read_descriptions(self.descriptions, list(classes)).items():
                prompts[i] = d
        return prompts

    @torch.no_grad()
    def _pass(self, runner, dataset, fn, what: str) -> torch.Tensor:
        """``fn(normalised images)`` over every unlabelled image (weak view), in order."""
        model = self._model(runner)
        loader = DataLoader(dataset.unlabelled_view(), batch_size=self.batch_size,
                            shuffle=False, num_workers=self.num_workers,
                            collate_fn=default_collate)
        runner.logger.info(f'PseudolabelHook: {what} over {len(loader.dataset)} unlabelled '
                           'images')
        bar = ProgressBar(len(loader.dataset)) if self.progress else None
        was_training = model.training
        model.eval()
        out = []
        try:
            for batch in loader:
                x = model.data_preprocessor(dict(inputs=batch['inputs']), False)['inputs']
                out.append(fn(model, x).float().cpu())
                if bar is not None:
                    bar.update(len(x))
        finally:
            model.train(was_training)
        if bar is not None:
            print('', flush=True)
        return torch.cat(out)

    def zero_shot_features(self, runner) -> Tuple[torch.Tensor, torch.Tensor]:
        """(image features N_u x D, text features C x D) of the frozen zero-shot CLIP."""
        if self._zero_shot is None:
            model, dataset = self._model(runner), self._dataset(runner)
            maple = model.cap.maple

            def encode(m, x):
                with maple.zero_shot():
                    return maple.encode_image(x)

            feats = self._pass(runner, dataset, encode, 'zero-shot CLIP')
            with torch.no_grad(), maple.zero_shot():
                text = maple.encode_prompts(self.prompts(model.classnames)).float().cpu()
            self._zero_shot = (feats, text)
        return self._zero_shot

    def _select(self, probs: torch.Tensor, k: int, dataset) -> np.ndarray:
        cand = torch.as_tensor(dataset.candidate_classes, dtype=torch.long)
        sub = select_top_k_per_class(probs[:, cand], k)
        out = torch.full_like(sub, -1)
        out[sub >= 0] = cand[sub[sub >= 0]]
        return out.numpy()

    def _record(self, runner, dataset, epoch: int, k: int, source: str) -> None:
        pl = self.pseudolabels
        sel = pl >= 0
        truth = dataset.labels[dataset.unlabelled]
        acc = float((pl[sel] == truth[sel]).mean()) if sel.any() else 0.0
        self.history.append(dict(epoch=epoch, k=k, source=source, selected=int(sel.sum()),
                                 accuracy=acc))
        runner.logger.info(
            f'PseudolabelHook: epoch {epoch}: k={k} per class from {source}: '
            f'{int(sel.sum())} of {len(pl)} unlabelled images pseudolabelled '
            f'(accuracy against the hidden labels {100 * acc:.2f}%)')

    # --------------------------------------------------------------- hooks
    def before_train(self, runner) -> None:
        dataset = self._dataset(runner)
        loader = runner.train_dataloader
        if getattr(loader, 'num_workers', 0) > 0 and getattr(loader, 'persistent_workers',
                                                             False):
            raise ValueError(
                'train_dataloader.persistent_workers must be False with PseudolabelHook: '
                'persistent workers keep the pseudolabels they started with.')
        if loader.batch_size != dataset.batch_size:
            raise ValueError(f'train_dataloader.batch_size ({loader.batch_size}) must equal '
                             f'train_dataloader.dataset.batch_size ({dataset.batch_size}), '
                             'the images per stream.')
        if self.pseudolabels is not None:
            if len(self.pseudolabels) != len(dataset.unlabelled):
                raise ValueError(
                    f'PseudolabelHook: the checkpoint holds {len(self.pseudolabels)} '
                    f'pseudolabels but the data set has {len(dataset.unlabelled)} unlabelled '
                    'images (another data set or paradigm?).')
            runner.logger.info(f'PseudolabelHook: {int((self.pseudolabels >= 0).sum())} '
                               'pseudolabels restored from the checkpoint')
            return
        feats, text = self.zero_shot_features(runner)
        probs = (100.0 * feats @ text.t()).softmax(dim=-1)
        k = self.k_at(0, dataset)
        self.pseudolabels = self._select(probs, k, dataset)
        self._record(runner, dataset, 0, k, 'zero-shot CLIP' +
                     (' + descriptions' if self.descriptions else ''))

    def before_train_epoch(self, runner) -> None:
        dataset = self._dataset(runner)
        epoch = runner.epoch
        done = {h['epoch'] for h in self.history}
        if self.growth and epoch > 0 and epoch % self.step == 0 and epoch not in done:
            k = self.k_at(epoch, dataset)
            logits = self._pass(runner, dataset, lambda m, x: m.logits(x),
                                f'epoch {epoch} refill (k={k})')
            self.pseudolabels = self._select(logits.softmax(dim=-1), k, dataset)
            self._record(runner, dataset, epoch, k, 'the model\'s predictions')
        dataset.set_pseudolabels(self.pseudolabels)
        dataset.set_epoch(epoch)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self.pseudolabels is not None:
            checkpoint['pseudolabel_hook'] = dict(pseudolabels=self.pseudolabels.tolist(),
                                                  history=list(self.history))

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('pseudolabel_hook')
        if state is not None:
            self.pseudolabels = np.asarray(state['pseudolabels'], dtype=np.int64)
            self.history = list(state['history'])
