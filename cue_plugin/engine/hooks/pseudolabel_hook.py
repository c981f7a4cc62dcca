from typing import Optional

import numpy as np
import torch
from mmengine.dist import all_gather_object
from mmengine.hooks import Hook
from mmengine.utils import ProgressBar
from mmpretrain.utils import get_ori_model
from torch.utils.data import DataLoader

from cue_plugin.cap.descriptions import read_descriptions
from cue_plugin.cap.pseudolabel import (MainSet, confident_lists, description_top_k,
                                        growth_k, labels_to_main_set, leaderboard_walk,
                                        refill, select_top_k_per_class)
from cue_plugin.engine.utils import train_pseudolabel_dataset
from cue_plugin.models.protocols import PseudolabelModel, check_protocol
from cue_plugin.registry import HOOKS

#: The reference's literal zero-shot prompt: its template 'a photo of a {}' is prefixed,
#: not formatted, giving "a photo of a {}rose" (CAP utils/clip_pseudolabels.py:26 with
#: data/dataset_prompts.py). Opt in with ``prompt=REFERENCE_LITERAL_PROMPT``.
REFERENCE_LITERAL_PROMPT = 'a photo of a {{}}{}'


@HOOKS.register_module()
class PseudolabelHook(Hook):
    """CAP's pseudolabelled images (the *main set*) and their growth, as the reference
    code builds them (docs/methods.md §3); GRIP's and FPL's by option. The main set lives in the
    training set (:meth:`PseudolabelDataset.set_main_set`); this hook reads the model
    (:class:`CAPClassifier`) and writes the data set, and saves the set in checkpoints.

    - Before training (``initial``):

      - ``'leaderboard'`` (CAP, ``utils/clip_pseudolabels.py:91-134``): zero-shot CLIP
        probabilities (``prompt`` per class, softmax over all classes) of every
        unlabelled image, walked in order through per-class boards of ``n_main`` images
        (:func:`leaderboard_walk`: an image its predicted class cannot take is offered
        to the others); each class with a description (``descriptions``: a JSON file,
        see :func:`read_descriptions`) instead takes the ``n_main`` unlabelled images most
        similar to its description (``:136-144``).
      - ``'top_k'`` (FPL): per class its ``n_main`` most confident images among those
        predicted as it.

    - After training epochs 0, ``period``, 2 ``period``, ... (``refill``):

      - ``'confident'`` (CAP, ``methods/training.py:270-271,321-344``): from the
        weak-view predictions with confidence > tau the model recorded during that epoch
        (all ranks), the images not yet in the set, per class by confidence, each image
        to one class; the class's new set is the first ``k_e`` of them, then its
        previous set up to ``k_e`` (:func:`growth_k`, :func:`refill`). No extra pass.
      - ``'pass'`` (GRIP): the model's predictions over every unlabelled image, per
        class the top ``k_e`` among its predictions.
      - None (FPL): the initial set stays.

    TRZSL: the boards are those of the unseen classes and ``k_e`` counts them.

    Args:
        initial (str): 'leaderboard' (CAP) or 'top_k' (FPL). Defaults to 'leaderboard'.
        refill (str, optional): 'confident' (CAP), 'pass' (GRIP) or None (FPL).
        n_main (int): ``N_MAIN``, the initial set per class: 16 (Flowers102 6).
        ratio (float): ``MAX_MAIN_RATIO`` of :func:`growth_k`: 0.8 (FGVCAircraft 0.6).
        max_per_class (int): cap of the set per class (1000).
        period (int): refill period in epochs (5).
        full_frac (float): share of the run after which ``k_e`` is at its target (0.7).
        prompt (str): zero-shot prompt template of the initial pass. Defaults to
            ``'a photo of a {}.'``; :data:`REFERENCE_LITERAL_PROMPT` reproduces the
            reference's literal text.
        descriptions (str, optional): descriptions file (concept-aligned classes).
        batch_size (int): batch of the passes. Defaults to 64.
        num_workers (int): workers of the passes. Defaults to 0.
        progress (bool): show progress bars. Defaults to True.
    """
    priority = 'ABOVE_NORMAL'

    def __init__(self, initial: str = 'leaderboard', refill: Optional[str] = 'confident',
                 n_main: int = 16, ratio: float = 0.8, max_per_class: int = 1000,
                 period: int = 5, full_frac: float = 0.7, prompt: str = 'a photo of a {}.',
                 descriptions: Optional[str] = None, batch_size: int = 64,
                 num_workers: int = 0, progress: bool = True):
        if initial not in ('leaderboard', 'top_k'):
            raise ValueError(f"PseudolabelHook.initial must be 'leaderboard' or 'top_k', got "
                             f'{initial!r}.')
        if refill not in ('confident', 'pass', None):
            raise ValueError("PseudolabelHook.refill must be 'confident', 'pass' or None, "
                             f'got {refill!r}.')
        for name, v in (('n_main', n_main), ('max_per_class', max_per_class),
                        ('period', period), ('batch_size', batch_size)):
            if not isinstance(v, int) or v < 1:
                raise ValueError(f'PseudolabelHook.{name} must be a positive int, got {v!r}.')
        if '{}' not in prompt:
            raise ValueError(f"PseudolabelHook.prompt needs a '{{}}' for the class name, got "
                             f'{prompt!r}.')
        self.initial, self.refill = initial, refill
        self.n_main, self.ratio, self.max_per_class = n_main, ratio, max_per_class
        self.period, self.full_frac = period, full_frac
        self.prompt, self.descriptions = prompt, descriptions
        self.batch_size, self.num_workers, self.progress = batch_size, num_workers, progress
        self.history = []  # dict(epoch, k, source, entries, images, accuracy)
        self._restored: Optional[MainSet] = None

    # --------------------------------------------------------------- helpers
    @staticmethod
    def _model(runner):
        return check_protocol(get_ori_model(runner.model), PseudolabelModel,
                              'PseudolabelHook', example='CAPClassifier')

    @staticmethod
    def _dataset(runner):
        return train_pseudolabel_dataset(runner, 'PseudolabelHook')

    def k_at(self, epoch: int, dataset, max_epochs: int) -> int:
        return growth_k(epoch, len(dataset.unlabelled), len(dataset.candidate_classes),
                        n_main=self.n_main, ratio=self.ratio,
                        max_per_class=self.max_per_class, epochs=max_epochs,
                        full_frac=self.full_frac)

    def prompts(self, classes) -> list:
        return [self.prompt.format(c.replace('_', ' ')) for c in classes]

    @torch.no_grad()
    def _pass(self, runner, dataset, fn, what: str) -> torch.Tensor:
        """``fn(model, normalised images)`` over every unlabelled image (weak view), in
        order."""
        model = self._model(runner)
        view = dataset.weak_view(dataset.unlabelled)
        loader = DataLoader(view, batch_size=self.batch_size, shuffle=False,
                            num_workers=self.num_workers, collate_fn=view.collate)
        runner.logger.info(f'PseudolabelHook: {what} over {len(view)} unlabelled images')
        bar = ProgressBar(len(view)) if self.progress else None
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

    def initial_main_set(self, runner, dataset) -> MainSet:
        model = self._model(runner)
        feats = self._pass(runner, dataset, lambda m, x: m.zero_shot_image_features(x),
                           'zero-shot CLIP')
        text = model.zero_shot_text_features(self.prompts(model.classnames)).float().cpu()
        probs = (100.0 * feats @ text.t()).softmax(dim=-1)
        cand = dataset.candidate_classes
        if self.initial == 'top_k':
            labels = self._top_k(probs, self.n_main, cand)
            return labels_to_main_set(labels, probs.numpy())
        main = leaderboard_walk(probs.numpy(), self.n_main, cand)
        if self.descriptions:
            for c, text_c in read_descriptions(self.descriptions, model.classnames).items():
                if c not in main:
                    continue
                d = model.zero_shot_text_features([text_c]).float().cpu()[0]
                main[c] = description_top_k(feats @ d, self.n_main)
        return main

    @staticmethod
    def _top_k(probs: torch.Tensor, k: int, cand) -> np.ndarray:
        cand = torch.as_tensor(np.asarray(cand), dtype=torch.long)
        sub = select_top_k_per_class(probs[:, cand], k)
        out = torch.full_like(sub, -1)
        out[sub >= 0] = cand[sub[sub >= 0]]
        return out.numpy()

    def _log(self, runner, dataset, epoch: int, k: int, source: str) -> None:
        main = dataset.main_set
        pairs = [(j, c) for c, entries in main.items() for _, j in entries]
        truth = dataset.labels[dataset.unlabelled]
        acc = float(np.mean([truth[j] == c for j, c in pairs])) if pairs else 0.0
        images = len({j for j, _ in pairs})
        self.history.append(dict(epoch=epoch, k=k, source=source, entries=len(pairs),
                                 images=images, accuracy=acc))
        runner.logger.info(
            f'PseudolabelHook: epoch {epoch}: k={k} per class from {source}: {len(pairs)} '
            f'pseudolabels on {images} of {len(dataset.unlabelled)} unlabelled images '
            f'(accuracy against the hidden labels {100 * acc:.2f}%)')

    # --------------------------------------------------------------- hooks
    def before_train(self, runner) -> None:
        dataset = self._dataset(runner)
        self._model(runner)
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
        if self._restored is not None:
            dataset.set_main_set(self._restored)
            runner.logger.info('PseudolabelHook: main set restored from the checkpoint '
                               f'({sum(len(v) for v in self._restored.values())} entries)')
            return
        dataset.set_main_set(self.initial_main_set(runner, dataset))
        source = ('zero-shot CLIP leaderboard' if self.initial == 'leaderboard' else
                  'zero-shot CLIP top-k') + (' + descriptions' if self.descriptions else '')
        self._log(runner, dataset, 0, self.n_main, source)

    def before_train_epoch(self, runner) -> None:
        self._dataset(runner).set_epoch(runner.epoch)

    def after_train_epoch(self, runner) -> None:
        # runner.epoch is the epoch that just ended (mmengine counts it up afterwards).
        epoch = runner.epoch
        if self.refill is None or epoch % self.period != 0:
            return
        dataset, model = self._dataset(runner), self._model(runner)
        k = self.k_at(epoch, dataset, runner.max_epochs)
        cand = dataset.candidate_classes
        if self.refill == 'confident':
            parts = all_gather_object(model.confident_predictions(epoch))
            c, s, j = (torch.cat([p[i] for p in parts]) for i in range(3))
            new = confident_lists(c.tolist(), s.tolist(), j.tolist(), dataset.main_set, cand,
                                  self.max_per_class)
            main = refill(new, dataset.main_set, k, cand)
            source = f'{len(c)} confident predictions of epoch {epoch}'
        else:
            logits = self._pass(runner, dataset, lambda m, x: m.inference_logits(x),
                                f'epoch {epoch} refill (k={k})')
            probs = logits.softmax(dim=-1)
            main = labels_to_main_set(self._top_k(probs, k, cand), probs.numpy())
            source = "the model's predictions"
        dataset.set_main_set(main)
        self._log(runner, dataset, epoch, k, source)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        main = self._dataset(runner).main_set
        checkpoint['pseudolabel_hook'] = dict(
            main_set={str(c): [[float(s), int(j)] for s, j in v] for c, v in main.items()},
            history=list(self.history))

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('pseudolabel_hook')
        if state is not None and 'main_set' in state:
            self._restored = {int(c): [(float(s), int(j)) for s, j in v]
                              for c, v in state['main_set'].items()}
            self.history = list(state['history'])
