from typing import Optional

import numpy as np
import torch
from mmengine.dist import all_reduce
from mmengine.hooks import Hook

from cue_plugin.cap.margin import calibrated_margin, similarity_matrix
from cue_plugin.engine.utils import unwrap_model
from cue_plugin.registry import HOOKS

from .pseudolabel_hook import PseudolabelHook


def class_means(features: torch.Tensor, labels, num_classes: int):
    """(C x D per-class means of ``features`` over entries with label c, C mask of classes
    with at least one entry); labels -1 are ignored."""
    labels = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    keep = labels >= 0
    sums = torch.zeros(num_classes, features.size(1))
    sums.index_add_(0, labels[keep], features[keep].float())
    counts = torch.bincount(labels[keep], minlength=num_classes).float()
    return sums / counts.clamp(min=1)[:, None], counts > 0


@HOOKS.register_module()
class CalibratedMarginHook(Hook):
    """CAP's confusion-aware calibrated margin (SPEC §3): at the start of every epoch,
    rebuild M and set it into the model's :class:`CalibratedMarginLoss`
    (``set_margin``); M = 0 in epoch 0.

    - ``S = similarity_matrix(T, V)``: T = the zero-shot text features of the prompts
      :class:`PseudolabelHook` labels with (descriptions included), V = per-class means of
      the zero-shot image features of the *current* pseudolabelled images (after that
      hook's update of this epoch; a class without any uses its text feature). Frozen
      zero-shot features measure CLIP's own class confusion and cost no extra pass (they
      come from the initial pseudolabelling pass).
    - ``sigma(c)``: weak-view predictions of class c with confidence > tau during the
      previous epoch, counted by :class:`CAPClassifier` in its FixMatch term (all ranks
      summed). These are exactly "unlabelled images predicted as c with confidence > tau
      in the previous epoch", of the ``iters_per_epoch * batch_size`` unlabelled draws,
      free of an extra pass over the unlabelled set; r = sigma / max sigma is a ratio, so
      the number of draws cancels.
    - ``M = calibrated_margin(S, sigma, m, form, seen)``; TRZSL seen classes get r = 1.

    sigma is summed over ranks at the end of each epoch and saved in checkpoints, so a
    resumed run sets the same M as an uninterrupted one.

    Args:
        m (float): margin scale (12; FGVCAircraft 14).
        form (str): 'code' (reference code, default) or 'paper'.
    """
    priority = 'NORMAL'

    def __init__(self, m: float = 12.0, form: str = 'code'):
        if form not in ('code', 'paper'):
            raise ValueError(f"CalibratedMarginHook.form must be 'code' or 'paper', got "
                             f'{form!r}.')
        if not m >= 0:
            raise ValueError(f'CalibratedMarginHook.m must be >= 0, got {m!r}.')
        self.m, self.form = float(m), form
        self.history = []  # dict(epoch, sigma, margin_mean)
        self.last: Optional[dict] = None  # sigma, similarity, margin of the last epoch start
        self._sigma: Optional[torch.Tensor] = None  # summed counts of the last epoch

    @staticmethod
    def _model(runner):
        model = unwrap_model(runner.model)
        if not hasattr(model, 'confident_counts') or not hasattr(model, 'margin_loss'):
            raise TypeError('CalibratedMarginHook needs a CAPClassifier model, got '
                            f'{type(model).__name__}.')
        return model

    @staticmethod
    def _pl_hook(runner) -> PseudolabelHook:
        for h in runner.hooks:
            if isinstance(h, PseudolabelHook):
                return h
        raise ValueError("CalibratedMarginHook needs custom_hooks to include "
                         "dict(type='PseudolabelHook') (the pseudolabels and features of M).")

    def _counts(self, model) -> torch.Tensor:
        counts = model.confident_counts.detach().clone()
        all_reduce(counts)
        return counts.float().cpu()

    def before_train(self, runner) -> None:
        self._model(runner)
        self._pl_hook(runner)

    def before_train_epoch(self, runner) -> None:
        model = self._model(runner)
        dataset = PseudolabelHook._dataset(runner)
        c = len(model.classnames)
        sigma = self._sigma if self._sigma is not None else torch.zeros(c)
        model.confident_counts.zero_()
        if sigma.numel() != c:
            raise ValueError(f'CalibratedMarginHook: sigma has {sigma.numel()} classes, the '
                             f'model {c}.')
        epoch = runner.epoch
        if epoch == 0:
            similarity = None
            margin = torch.zeros(c, c)
        else:
            feats, text = self._pl_hook(runner).zero_shot_features(runner)
            means, has = class_means(feats, dataset.pseudolabels, c)
            similarity = similarity_matrix(text, means, has)
            seen = None
            if dataset.paradigm == 'TRZSL':
                seen = torch.zeros(c, dtype=torch.bool)
                seen[torch.as_tensor(dataset.seen_classes, dtype=torch.long)] = True
            margin = calibrated_margin(similarity, sigma, self.m, self.form, seen)
            if sigma.sum() == 0:
                runner.logger.warning('CalibratedMarginHook: no confident weak-view '
                                      'prediction in the previous epoch (sigma = 0).')
        model.margin_loss.set_margin(margin)
        self.last = dict(epoch=epoch, sigma=sigma, similarity=similarity, margin=margin)
        self.history.append(dict(epoch=epoch, sigma=sigma.tolist(),
                                 margin_mean=float(margin.mean())))
        runner.logger.info(
            f'CalibratedMarginHook: epoch {epoch}: M ({self.form}, m={self.m:g}) mean '
            f'{float(margin.mean()):.4f} max {float(margin.max()):.4f}; sigma '
            f'{[int(x) for x in sigma.tolist()][:20]}{" ..." if c > 20 else ""}')

    def after_train_epoch(self, runner) -> None:
        # On every rank (a collective), before CheckpointHook saves (VERY_LOW priority;
        # saving runs on rank 0 only).
        self._sigma = self._counts(self._model(runner))

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self._sigma is not None:
            checkpoint['calibrated_margin_hook'] = dict(sigma=self._sigma.tolist(),
                                                        history=list(self.history))

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('calibrated_margin_hook')
        if state is not None:
            self._sigma = torch.tensor(state['sigma']).float()
            self.history = list(state['history'])
