from typing import Optional

import numpy as np
import torch
from mmengine.dist import all_reduce
from mmengine.hooks import Hook
from mmpretrain.utils import get_ori_model
from torch.utils.data import DataLoader

from cue_plugin.cap.margin import calibrated_margin, class_means, similarity_matrix
from cue_plugin.engine.utils import train_pseudolabel_dataset
from cue_plugin.models.protocols import MarginModel, check_protocol
from cue_plugin.registry import HOOKS


@HOOKS.register_module()
class CalibratedMarginHook(Hook):
    """CAP's confusion-aware calibrated margin (docs/methods.md §3), rebuilt at the start of every
    epoch as the reference does (``methods/cacm.py:95,245-338``) and set into the model's
    :class:`CalibratedMarginLoss`; M = 0 in the first epoch. It reads the model (what
    :class:`~cue_plugin.models.protocols.MarginModel` declares) and the training set only.

    - ``S = similarity_matrix(T, V)``: T = the model's current prompted text features as
      at inference (``features='current'``), V = per-class means of the current model's
      main-path image features (CLIP preprocessing) of the current main set; in TRZSL the
      seen classes' first ``n_main`` labelled images stand in for their main set
      (``methods/cap.py:95-102``). A class without images uses its text feature.
      ``features='zero_shot'``: the frozen CLIP's features instead (the earlier form).
    - sigma(c): the model's confident weak-view predictions of class c during the
      previous epoch (:meth:`CAPClassifier.confident_counts`, summed over ranks at its
      end and saved in checkpoints, so a resumed run sets the same M).
    - ``M = calibrated_margin(S, sigma, m, form, seen)``: TRZSL seen classes get r = 1.

    Args:
        m (float): margin scale: 12; FGVCAircraft 14 (``methods/main.py:285``; its run
            script's MARGIN_SCALE=12 overrides that, ``scripts/run.sh``, ``:291``).
        form (str): 'code' (the reference's, default) or 'paper'.
        features (str): 'current' (default) or 'zero_shot'.
        n_main (int): labelled images per seen class standing in for its main set (16).
        batch_size (int): batch of the feature pass. Defaults to 64.
        num_workers (int): workers of the feature pass. Defaults to 0.
    """
    priority = 'NORMAL'

    def __init__(self, m: float = 12.0, form: str = 'code', features: str = 'current',
                 n_main: int = 16, batch_size: int = 64, num_workers: int = 0):
        if form not in ('code', 'paper'):
            raise ValueError(f"CalibratedMarginHook.form must be 'code' or 'paper', got "
                             f'{form!r}.')
        if features not in ('current', 'zero_shot'):
            raise ValueError("CalibratedMarginHook.features must be 'current' or "
                             f"'zero_shot', got {features!r}.")
        if not m >= 0:
            raise ValueError(f'CalibratedMarginHook.m must be >= 0, got {m!r}.')
        self.m, self.form, self.features = float(m), form, features
        self.n_main, self.batch_size, self.num_workers = n_main, batch_size, num_workers
        self.history = []  # dict(epoch, sigma, margin_mean)
        self.last: Optional[dict] = None  # sigma, similarity, margin of the last epoch start
        self._sigma: Optional[torch.Tensor] = None  # summed counts of the last epoch

    @staticmethod
    def _model(runner):
        return check_protocol(get_ori_model(runner.model), MarginModel,
                              'CalibratedMarginHook', example='CAPClassifier')

    @staticmethod
    def _dataset(runner):
        return train_pseudolabel_dataset(runner, 'CalibratedMarginHook')

    def before_train(self, runner) -> None:
        self._model(runner)
        self._dataset(runner)

    @torch.no_grad()
    def class_features(self, model, dataset):
        """(text features C x d, per-class image means C x d, classes-with-images mask)."""
        c = len(model.classnames)
        main = dataset.main_set
        index = [int(dataset.unlabelled[j]) for k in sorted(main) for _, j in main[k]]
        labels = [k for k in sorted(main) for _ in main[k]]
        if dataset.paradigm == 'TRZSL':
            for i, y in dataset.labelled_board(self.n_main):
                index.append(int(i))
                labels.append(int(y))
        zero_shot = self.features == 'zero_shot'
        was_training = model.training
        model.eval()
        try:
            if zero_shot:
                text = model.zero_shot_text_features(
                    [f'a photo of a {n.replace("_", " ")}.' for n in model.classnames])
            else:
                text = model.class_text_features()
            feats = []
            if index:
                view = dataset.weak_view(np.asarray(index))
                loader = DataLoader(view, batch_size=self.batch_size, shuffle=False,
                                    num_workers=self.num_workers, collate_fn=view.collate)
                for batch in loader:
                    x = model.data_preprocessor(dict(inputs=batch['inputs']),
                                                False)['inputs']
                    f = model.zero_shot_image_features(x) if zero_shot else \
                        model.main_image_features(x)
                    feats.append(f.float().cpu())
        finally:
            model.train(was_training)
        feats = torch.cat(feats) if feats else torch.zeros(0, text.size(1))
        means, has = class_means(feats, labels, c)
        return text.float().cpu(), means, has

    def before_train_epoch(self, runner) -> None:
        model, dataset = self._model(runner), self._dataset(runner)
        c = len(model.classnames)
        epoch = runner.epoch
        sigma = self._sigma if self._sigma is not None else torch.zeros(c)
        if sigma.numel() != c:
            raise ValueError(f'CalibratedMarginHook: sigma has {sigma.numel()} classes, the '
                             f'model {c}.')
        similarity = None
        if epoch == 0:
            margin = torch.zeros(c, c)
        else:
            text, means, has = self.class_features(model, dataset)
            similarity = similarity_matrix(text, means, has)
            seen = None
            if dataset.paradigm == 'TRZSL':
                seen = torch.zeros(c, dtype=torch.bool)
                seen[torch.as_tensor(dataset.seen_classes, dtype=torch.long)] = True
            margin = calibrated_margin(similarity, sigma, self.m, self.form, seen)
            if sigma.sum() == 0:
                runner.logger.warning('CalibratedMarginHook: no confident weak-view '
                                      'prediction in the previous epoch (sigma = 0): M = 0.')
        model.set_margin(margin)
        self.last = dict(epoch=epoch, sigma=sigma, similarity=similarity, margin=margin)
        self.history.append(dict(epoch=epoch, sigma=sigma.tolist(),
                                 margin_mean=float(margin.mean())))
        runner.logger.info(
            f'CalibratedMarginHook: epoch {epoch}: M ({self.form}, m={self.m:g}, '
            f'{self.features} features) mean {float(margin.mean()):.4f} max '
            f'{float(margin.max()):.4f}; sigma {[int(x) for x in sigma.tolist()][:20]}'
            f'{" ..." if c > 20 else ""}')

    def after_train_epoch(self, runner) -> None:
        # sigma of the epoch that ended, summed over ranks: on every rank (a collective),
        # before CheckpointHook saves it (VERY_LOW priority; rank 0 writes).
        model = self._model(runner)
        device = next(model.parameters()).device  # all_reduce needs the backend's device
        sigma = model.confident_counts(runner.epoch).to(device)
        all_reduce(sigma)
        self._sigma = sigma.float().cpu()

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self._sigma is not None:
            checkpoint['calibrated_margin_hook'] = dict(sigma=self._sigma.tolist(),
                                                        history=list(self.history))

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('calibrated_margin_hook')
        if state is not None:
            self._sigma = torch.tensor(state['sigma']).float()
            self.history = list(state['history'])
