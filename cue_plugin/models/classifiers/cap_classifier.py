import copy
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.model import MMDistributedDataParallel
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmpretrain.models.classifiers import BaseClassifier
from mmpretrain.structures import DataSample

from cue_plugin.registry import MODELS

CLIP_MEAN = [0.48145466 * 255, 0.4578275 * 255, 0.40821073 * 255]
CLIP_STD = [0.26862954 * 255, 0.26130258 * 255, 0.27577711 * 255]


@MODELS.register_module()
class CAPClassifier(BaseClassifier):
    """CAP (and its FPL / GRIP / zero-shot baselines) as an mmpretrain classifier around
    :class:`CAPModel`: frozen CLIP + MaPLe prompts + text / main-visual / pseudo-visual
    adapters, logits ``100 * cos(v, t)`` (SPEC §3).

    - ``loss`` takes the multi-stream batches of :class:`PseudolabelDataset` and returns
      the terms of :meth:`CAPModel.cap_loss` (``loss_labelled`` for SSL / TRZSL,
      ``loss_pseudo``, ``loss_fixmatch``); it also counts, per class, the weak-view
      predictions with confidence > tau (:attr:`confident_counts`, CAP's sigma, read and
      reset by :class:`CalibratedMarginHook` at every epoch start).
    - ``predict`` returns ``DataSample`` s with ``pred_score`` (softmax) and
      ``pred_label``; adapters are bypassed unless ``keep_adapters_at_test`` (as the
      reference); with ``zero_shot=True`` it is the frozen CLIP with
      ``"a photo of a {name}."`` (the zero-shot baseline; nothing to train).
    - ``train_step`` steps two optimizers (an ``OptimWrapperDict`` from
      :class:`CAPOptimWrapperConstructor`): ``prompts`` and ``adapters``.

    Class names come from ``classnames``, the training set (``ClassMetaHook``) or, in
    test-only runs, the test set (``EvalClassNamesHook``).

    Args:
        clip (dict): the open_clip CLIP: ``arch`` (CAP: 'ViT-B-32'), ``pretrained``
            ('openai', a local file or None), optional ``model_cfg``.
        classnames (Sequence[str], optional): class names in label order.
        n_ctx (int): MaPLe context tokens. Defaults to 2.
        ctx_init (str): MaPLe context initialisation. Defaults to 'a photo of a'.
        depth (int): MaPLe prompt depth. Defaults to 8.
        adapter_hidden (int, optional): adapters' hidden width (default d / 4).
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
        data_preprocessor.setdefault('mean', CLIP_MEAN)
        data_preprocessor.setdefault('std', CLIP_STD)
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
        from cue_plugin.cap.model import CAPModel  # cue_plugin.cap imports models
        self.cap = CAPModel(list(classnames or []), arch=clip.get('arch', 'ViT-B-32'),
                            pretrained=clip.get('pretrained'), model_cfg=clip.get('model_cfg'),
                            n_ctx=n_ctx, ctx_init=ctx_init, depth=depth,
                            adapter_hidden=adapter_hidden, tau=tau,
                            keep_adapters_at_test=keep_adapters_at_test)
        self.zero_shot = zero_shot
        if zero_shot:
            self.requires_grad_(False)
        self.register_buffer('confident_counts', torch.zeros(len(self.classnames)),
                             persistent=False)

    # ----------------------------------------------------------------- class names
    @property
    def classnames(self) -> List[str]:
        return self.cap.classnames

    @property
    def margin_loss(self):
        return self.cap.margin_loss

    def set_classnames(self, classnames: Sequence[str], source: str = '') -> None:
        self.cap.classnames = list(classnames)
        self.confident_counts = torch.zeros(len(classnames),
                                            device=self.confident_counts.device)

    def _check_names(self) -> None:
        if not self.classnames:
            raise RuntimeError(
                'CAPClassifier has no class names: add '
                "custom_hooks=[dict(type='ClassMetaHook')] (training) or "
                "dict(type='EvalClassNamesHook') (test-only runs), or set model.classnames.")

    def cap_parameter_groups(self) -> Dict[str, list]:
        """The parameters of CAP's two optimizers."""
        cap = self.cap
        return dict(prompts=list(cap.maple.parameters()),
                    adapters=[p for m in (cap.text_adapter, cap.main_adapter,
                                          cap.pseudo_adapter) for p in m.parameters()])

    # ----------------------------------------------------------------- forward
    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if mode == 'tensor':
            return self.logits(inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}".')

    def extract_feat(self, inputs: torch.Tensor) -> torch.Tensor:
        if self.zero_shot:
            with self.cap.maple.zero_shot():
                return self.cap.maple.encode_image(inputs)
        return self.cap.maple.encode_image(inputs)

    def logits(self, inputs: torch.Tensor) -> torch.Tensor:
        """Inference logits (adapters bypassed unless ``keep_adapters_at_test``)."""
        self._check_names()
        if self.zero_shot:
            with self.cap.maple.zero_shot():
                return self.cap.logits(inputs, None)
        return self.cap.predict_logits(inputs)

    def loss(self, inputs: dict, data_samples: dict) -> dict:
        self._check_names()
        if self.zero_shot:
            raise RuntimeError('CAPClassifier(zero_shot=True) is evaluation only; it has '
                               'nothing to train (use tools/test.py).')
        if not isinstance(inputs, dict) or 'pseudo' not in inputs:
            raise ValueError('CAPClassifier.loss expects the multi-stream batches of '
                             "PseudolabelDataset (inputs with a 'pseudo' stream), got "
                             f'{type(inputs).__name__}.')
        labelled = None
        if 'labelled' in inputs:
            labelled = (inputs['labelled'], data_samples['labelled_label'])
        stats = {}
        losses = self.cap.cap_loss((inputs['pseudo'], data_samples['pseudo_label']),
                                   inputs.get('weak'), inputs.get('strong'), labelled, stats)
        if 'mask' in stats:
            conf = stats['yhat'][stats['mask'] > 0]
            self.confident_counts += torch.bincount(
                conf, minlength=len(self.classnames)).to(self.confident_counts)
            losses['confident_ratio'] = stats['mask'].mean().detach()
        return losses

    def predict(self, inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None) -> List[DataSample]:
        scores = self.logits(inputs).softmax(dim=-1).detach()
        labels = scores.argmax(dim=-1, keepdim=True)
        if data_samples is None:
            data_samples = [DataSample() for _ in range(scores.size(0))]
        for sample, score, label in zip(data_samples, scores, labels):
            sample.set_pred_score(score).set_pred_label(label)
        return data_samples

    # ----------------------------------------------------------------- training
    def train_step(self, data, optim_wrapper,
                   forward_module=None) -> Dict[str, torch.Tensor]:
        """One iteration: one backward through the whole loss, then each optimizer
        (``prompts``, ``adapters``) steps its own parameters. ``forward_module`` is the
        DDP wrapper (:class:`CAPDistributedDataParallel`) the forward runs through."""
        fwd = forward_module if forward_module is not None else self
        if not isinstance(optim_wrapper, OptimWrapperDict):
            if forward_module is not None:
                return MMDistributedDataParallel.train_step(forward_module, data,
                                                            optim_wrapper)
            return super().train_step(data, optim_wrapper)
        wrappers = list(optim_wrapper.values())
        if any(type(w) is not OptimWrapper for w in wrappers):
            raise TypeError('CAPClassifier.train_step supports plain OptimWrapper groups '
                            '(two AMP loss scalers cannot share one backward); got '
                            f'{[type(w).__name__ for w in wrappers]}.')
        with wrappers[0].optim_context(self):
            data = self.data_preprocessor(data, True)
            losses = fwd._run_forward(data, mode='loss')
        parsed, log_vars = self.parse_losses(losses)
        for w in wrappers:
            w.zero_grad()
        wrappers[0].backward(parsed)
        for w in wrappers[1:]:
            w._inner_count += 1  # as each wrapper's own backward would
        for w in wrappers:
            w.step()
            w.zero_grad()
        return log_vars
