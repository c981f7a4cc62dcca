import copy
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import MMDistributedDataParallel
from mmengine.optim import AmpOptimWrapper, OptimWrapper, OptimWrapperDict
from mmpretrain.models.classifiers import BaseClassifier
from mmpretrain.structures import DataSample

from cue_plugin.cap.pseudolabel import fixmatch_mask
from cue_plugin.registry import MODELS
from ..cap import MaPLe, ResidualAdapter
from ..clip import CLIP_MEAN, CLIP_STD, build_open_clip
from ..losses import CalibratedMarginLoss



@MODELS.register_module()
class CAPClassifier(BaseClassifier):
    """CAP (and its FPL / GRIP / zero-shot baselines): frozen CLIP + MaPLe prompts + text /
    main-visual / pseudo-visual residual adapters, logits ``100 * cos(v, t)`` (docs/methods.md §3).

    - ``loss`` takes the multi-stream batches of :class:`PseudolabelDataset` and returns
      ``CE_M(z_l, y)`` (SSL / TRZSL), ``CE_M(z_main, y_pl)`` and the FixMatch term
      ``sum_i 1[p_i > tau] CE_M(z_strong_i, yhat_i) / sum_i 1[p_i > tau]`` (weak view
      through the main adapter, strong view through the pseudo adapter; CAP
      ``methods/cacm.py:103-150``). It records every weak-view prediction with confidence
      > tau as ``(class, confidence, unlabelled index)`` under the epoch the data set
      stamped on the batch (``methods/cacm.py:152-159``): :meth:`confident_predictions`
      and :meth:`confident_counts` give them to the hooks at the end of that epoch
      (the refill, the margin's sigma).
    - ``predict`` returns ``DataSample`` s with ``pred_score`` (softmax) and
      ``pred_label``; the adapters are bypassed at inference as in the reference
      (``models/prompts_models.py:52-54``) unless ``keep_adapters_at_test``; with
      ``zero_shot=True`` it is the frozen CLIP with ``"a photo of a {name}."``.
    - ``train_step`` runs one backward and steps CAP's two optimizers (an
      ``OptimWrapperDict`` from :class:`CAPOptimWrapperConstructor`: ``prompts``,
      ``adapters``). Under AMP (``AmpOptimWrapper`` groups, e.g. ``--amp`` or the
      configs' ``AutoAmpOptimWrapper`` on a GPU) the forward runs under autocast and one
      gradient scaler scales the backward and steps both optimizers (the reference
      trains fp16 CLIP weights with plain SGD and no scaling, ``methods_config/*.yml``
      PREC fp16); gradient clipping is not supported under AMP.
    - What the hooks need (declared in :mod:`cue_plugin.models.protocols`:
      ``PseudolabelModel``, ``MarginModel``, ``CAPParameterGroups``):
      :meth:`class_text_features` (prompted, as at inference), :meth:`main_image_features`,
      :meth:`zero_shot_text_features` / :meth:`zero_shot_image_features` (the frozen
      CLIP), :meth:`set_margin`.

    Class names come from ``classnames``, the training set (``ClassMetaHook``) or, in
    test-only runs, the test set (``EvalClassNamesHook``).

    Args:
        clip (dict): the open_clip CLIP: ``arch`` (CAP: 'ViT-B-32'), ``pretrained``
            ('openai', a local file or None), optional ``model_cfg``.
        classnames (Sequence[str], optional): class names in label order.
        n_ctx (int): MaPLe context tokens. Defaults to 2.
        ctx_init (str): MaPLe context initialisation. Defaults to 'a photo of a'.
        depth (int): MaPLe prompt depth. Defaults to 8.
        adapter_hidden (int, optional): adapters' hidden width (default d / 4: 128).
        tau (float): FixMatch confidence threshold (0.85; FGVCAircraft 0.5).
        keep_adapters_at_test (bool): use the main adapter at inference. Defaults to False.
        zero_shot (bool): predict with the frozen zero-shot CLIP. Defaults to False.
        data_preprocessor (dict, optional): defaults to :class:`CAPDataPreprocessor`
            with CLIP's mean / std and BGR -> RGB.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self, clip: dict = dict(arch='ViT-B-32', pretrained='openai'),
                 classnames: Optional[Sequence[str]] = None, n_ctx: int = 2,
                 ctx_init: str = 'a photo of a', depth: int = 8,
                 adapter_hidden: Optional[int] = None, tau: float = 0.85,
                 keep_adapters_at_test: bool = False, zero_shot: bool = False,
                 data_preprocessor: Optional[dict] = None, init_cfg: Optional[dict] = None):
        data_preprocessor = copy.deepcopy(dict(data_preprocessor or {}))
        data_preprocessor.setdefault('type', 'CAPDataPreprocessor')
        data_preprocessor.setdefault('mean', [m * 255 for m in CLIP_MEAN])
        data_preprocessor.setdefault('std', [s * 255 for s in CLIP_STD])
        data_preprocessor.setdefault('to_rgb', True)
        # Built here through mmpretrain's registry (BaseModel would use mmengine's).
        super().__init__(init_cfg=init_cfg,
                         data_preprocessor=MODELS.build(data_preprocessor))
        clip = dict(clip or {})
        unknown = sorted(set(clip) - {'arch', 'pretrained', 'model_cfg'})
        if unknown:
            raise ValueError(f'CAPClassifier.clip: unknown key(s) {unknown} (arch, pretrained, '
                             'model_cfg).')
        if not 0 < tau < 1:
            raise ValueError(f'CAPClassifier.tau must be in (0, 1), got {tau!r}.')
        model, tokenizer, self.clip_source = build_open_clip(
            clip.get('arch', 'ViT-B-32'), clip.get('pretrained'), clip.get('model_cfg'))
        model.requires_grad_(False)
        self.clip = model
        self._classnames = list(classnames or [])
        self.maple = MaPLe(model, tokenizer, n_ctx, ctx_init, depth)
        d = model.text_projection.shape[1]
        self.text_adapter = ResidualAdapter(d, adapter_hidden)
        self.main_adapter = ResidualAdapter(d, adapter_hidden)
        self.pseudo_adapter = ResidualAdapter(d, adapter_hidden)
        self.margin_loss = CalibratedMarginLoss()
        self.tau = tau
        self.keep_adapters_at_test = keep_adapters_at_test
        self.zero_shot = zero_shot
        if zero_shot:
            self.requires_grad_(False)
        # epoch -> [(classes, confidences, unlabelled indices)] of this rank.
        self._records: Dict[int, List[Tuple[torch.Tensor, ...]]] = {}

    # ----------------------------------------------------------------- class names
    @property
    def classnames(self) -> List[str]:
        return self._classnames

    def set_classnames(self, classnames: Sequence[str], source: str = '') -> None:
        self._classnames = list(classnames)

    def _check_names(self) -> None:
        if not self._classnames:
            raise RuntimeError(
                'CAPClassifier has no class names: add '
                "custom_hooks=[dict(type='ClassMetaHook')] (training) or "
                "dict(type='EvalClassNamesHook') (test-only runs), or set model.classnames.")

    def cap_parameter_groups(self) -> Dict[str, list]:
        """The parameters of CAP's two optimizers (CAP ``methods/training.py:124-136``)."""
        return dict(prompts=list(self.maple.parameters()),
                    adapters=[p for m in (self.text_adapter, self.main_adapter,
                                          self.pseudo_adapter) for p in m.parameters()])

    # ----------------------------------------------------------------- features
    def text_features(self, adapted: bool = True) -> torch.Tensor:
        """Normalised prompted text features (C x d), through the text adapter if
        ``adapted``."""
        self._check_names()
        t = self.maple.encode_text(self._classnames)
        return F.normalize(self.text_adapter(t), dim=-1) if adapted else t

    def class_text_features(self) -> torch.Tensor:
        """The prompted text features as at inference (adapters bypassed): the margin's
        text similarity (CAP ``methods/cacm.py:255-259``)."""
        return self.text_features(adapted=False)

    def image_features(self, images: torch.Tensor,
                       adapter: Optional[str] = 'main') -> torch.Tensor:
        """Normalised prompted image features, through the ``'main'`` or ``'pseudo'``
        adapter, or none."""
        v = self.maple.encode_image(images)
        if adapter is None:
            return v
        return F.normalize({'main': self.main_adapter,
                            'pseudo': self.pseudo_adapter}[adapter](v), dim=-1)

    def main_image_features(self, images: torch.Tensor) -> torch.Tensor:
        """The main path's image features: the margin's per-class visual means
        (CAP ``methods/cacm.py:290-297``)."""
        return self.image_features(images, 'main')

    @torch.no_grad()
    def zero_shot_image_features(self, images: torch.Tensor) -> torch.Tensor:
        """Normalised image features of the frozen CLIP (no prompts, no adapters)."""
        with self.maple.zero_shot():
            return self.maple.encode_image(images)

    @torch.no_grad()
    def zero_shot_text_features(self, prompts: Sequence[str]) -> torch.Tensor:
        """Normalised text features of whole sentences under the frozen CLIP."""
        with self.maple.zero_shot():
            return self.maple.encode_prompts(list(prompts))

    def logits(self, images: torch.Tensor, adapter: Optional[str] = 'main',
               text: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``100 * cos(v, t)``; ``adapter`` None bypasses every adapter (inference)."""
        v = self.image_features(images, adapter)
        if text is None:
            text = self.text_features(adapted=adapter is not None)
        return 100.0 * v @ text.t()

    def inference_logits(self, inputs: torch.Tensor) -> torch.Tensor:
        """Prediction logits: adapters bypassed unless ``keep_adapters_at_test``; the
        frozen CLIP with ``zero_shot``."""
        self._check_names()
        if self.zero_shot:
            with self.maple.zero_shot():
                return self.logits(inputs, None)
        return self.logits(inputs, 'main' if self.keep_adapters_at_test else None)

    def extract_feat(self, inputs: torch.Tensor) -> torch.Tensor:
        if self.zero_shot:
            return self.zero_shot_image_features(inputs)
        return self.maple.encode_image(inputs)

    # ----------------------------------------------------------------- forward
    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if mode == 'tensor':
            return self.inference_logits(inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}".')

    def loss(self, inputs: dict, data_samples: dict) -> dict:
        self._check_names()
        if self.zero_shot:
            raise RuntimeError('CAPClassifier(zero_shot=True) is evaluation only; it has '
                               'nothing to train (use tools/test.py).')
        if not isinstance(inputs, dict) or 'pseudo' not in inputs:
            raise ValueError('CAPClassifier.loss expects the multi-stream batches of '
                             "PseudolabelDataset (inputs with a 'pseudo' stream), got "
                             f'{type(inputs).__name__}.')
        text = self.text_features()
        margin = self.margin_loss
        losses = {}
        if 'labelled' in inputs:
            losses['loss_labelled'] = margin(self.logits(inputs['labelled'], 'main', text),
                                             data_samples['labelled_label'])
        losses['loss_pseudo'] = margin(self.logits(inputs['pseudo'], 'main', text),
                                       data_samples['pseudo_label'])
        if 'weak' not in inputs or 'strong' not in inputs:
            return losses
        with torch.no_grad():
            mask, yhat, conf = fixmatch_mask(self.logits(inputs['weak'], 'main', text),
                                             self.tau)
        z_strong = self.logits(inputs['strong'], 'pseudo', text)
        n = mask.sum()
        losses['loss_fixmatch'] = margin(z_strong, yhat, weight=mask,
                                         avg_factor=n.clamp(min=1.0))
        losses['confident_ratio'] = mask.mean().detach()
        if 'unlabelled_index' in data_samples:
            epoch = data_samples.get('epoch')
            epoch = int(epoch.flatten()[0]) if torch.is_tensor(epoch) else int(epoch or 0)
            keep = mask > 0
            self._record(epoch, yhat[keep], conf[keep],
                         torch.as_tensor(data_samples['unlabelled_index'])[keep])
        return losses

    def predict(self, inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None) -> List[DataSample]:
        scores = self.inference_logits(inputs).softmax(dim=-1).detach()
        labels = scores.argmax(dim=-1, keepdim=True)
        if data_samples is None:
            data_samples = [DataSample() for _ in range(scores.size(0))]
        for sample, score, label in zip(data_samples, scores, labels):
            sample.set_pred_score(score).set_pred_label(label)
        return data_samples

    # ----------------------------------------------------------------- records
    def _record(self, epoch: int, classes, confidences, indices) -> None:
        if epoch not in self._records:
            # Keep the latest two epochs: the refill reads the one that just ended, the
            # margin of the next epoch its counts.
            for old in sorted(self._records)[:-1]:
                del self._records[old]
            self._records[epoch] = []
        # Kept on the device: no host sync per step; moved when a hook reads them.
        self._records[epoch].append((classes.detach(), confidences.detach().float(),
                                     indices.detach().to(classes.device)))

    def confident_predictions(self, epoch: int) -> Tuple[torch.Tensor, ...]:
        """``(classes, confidences, unlabelled indices)`` of the weak-view predictions with
        confidence > tau this rank made in ``epoch``, in order (CPU)."""
        parts = self._records.get(int(epoch), [])
        if not parts:
            return (torch.zeros(0, dtype=torch.long), torch.zeros(0),
                    torch.zeros(0, dtype=torch.long))
        return tuple(torch.cat([p[i] for p in parts]).cpu() for i in range(3))

    def set_margin(self, margin: torch.Tensor) -> None:
        """The margin matrix M (C x C) of the loss from now on (``CalibratedMarginHook``,
        every epoch)."""
        self.margin_loss.set_margin(margin)

    def confident_counts(self, epoch: int) -> torch.Tensor:
        """Per-class count of this rank's confident weak-view predictions in ``epoch``
        (CAP's sigma before the sum over ranks, ``methods/cacm.py:189-196``)."""
        classes = self.confident_predictions(epoch)[0]
        return torch.bincount(classes, minlength=len(self._classnames)).float()

    # ----------------------------------------------------------------- training
    def train_step(self, data, optim_wrapper,
                   forward_module=None) -> Dict[str, torch.Tensor]:
        """One iteration: one backward through the whole loss, then each optimizer
        (``prompts``, ``adapters``) steps its own parameters (CAP
        ``methods/training.py:376-388``). ``forward_module`` is the DDP wrapper
        (:class:`CAPDistributedDataParallel`) the forward runs through."""
        fwd = forward_module if forward_module is not None else self
        if not isinstance(optim_wrapper, OptimWrapperDict):
            if forward_module is not None:
                return MMDistributedDataParallel.train_step(forward_module, data,
                                                            optim_wrapper)
            return super().train_step(data, optim_wrapper)
        wrappers = list(optim_wrapper.values())
        amp = [isinstance(w, AmpOptimWrapper) for w in wrappers]
        if any(amp) and not all(amp) or not all(isinstance(w, OptimWrapper) for w in wrappers):
            raise TypeError('CAPClassifier.train_step: the parameter groups need the same '
                            'kind of OptimWrapper (all AMP or none); got '
                            f'{[type(w).__name__ for w in wrappers]}.')
        with wrappers[0].optim_context(self):
            data = self.data_preprocessor(data, True)
            losses = fwd._run_forward(data, mode='loss')
        parsed, log_vars = self.parse_losses(losses)
        for w in wrappers:
            w.zero_grad()
        if all(amp):
            # One scaler for one backward: it unscales and checks each optimizer's
            # gradients, then updates once (torch's recipe for several optimizers).
            scaler = wrappers[0].loss_scaler
            scaler.scale(parsed).backward()
            for w in wrappers:
                scaler.step(w.optimizer)
            scaler.update()
        else:
            parsed.backward()
            for w in wrappers:
                w.step()  # with the wrapper's gradient clipping, if configured
        for w in wrappers:
            w._inner_count += 1  # as each wrapper's own update_params would
            w.zero_grad()
        return log_vars
