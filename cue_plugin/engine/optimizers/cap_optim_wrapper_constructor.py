import copy

from mmengine.optim import OptimWrapperDict
from mmpretrain.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS, OPTIMIZERS
from mmpretrain.utils import get_ori_model

from cue_plugin.models.protocols import CAPParameterGroups, check_protocol


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class CAPOptimWrapperConstructor:
    """CAP's two optimizers as an ``OptimWrapperDict``: one optimizer wrapper per
    parameter group the model names in ``cap_parameter_groups()`` (``prompts``: MaPLe's
    context vectors, deep prompts and couplings; ``adapters``: the text, main-visual and
    pseudo-visual adapters). Every trainable parameter must fall in exactly one group.

    Config::

        optim_wrapper = dict(
            constructor='CAPOptimWrapperConstructor',
            prompts=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01, ...)),
            adapters=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01, ...)))

    Args:
        optim_wrapper_cfg (dict): one optimizer-wrapper config per group name.
        paramwise_cfg: not supported (each group has its own optimizer).
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg=None):
        if paramwise_cfg:
            raise ValueError('CAPOptimWrapperConstructor: paramwise_cfg is not supported; '
                             'configure each group\'s optimizer instead.')
        self.cfg = copy.deepcopy(dict(optim_wrapper_cfg))
        wrapper_type = self.cfg.pop('type', None)
        # A top-level wrapper type (tools/train.py --amp sets AmpOptimWrapper and
        # loss_scale) applies to every group: CAPClassifier.train_step then runs one
        # backward under one gradient scaler for both optimizers.
        self.shared = {k: self.cfg.pop(k) for k in ('loss_scale', 'dtype') if k in self.cfg}
        if wrapper_type not in (None, 'OptimWrapper', 'AmpOptimWrapper',
                                'AutoAmpOptimWrapper'):
            raise ValueError(f'optim_wrapper.type={wrapper_type!r}: CAP steps two optimizers '
                             'after one backward; supported: OptimWrapper, AmpOptimWrapper, '
                             'AutoAmpOptimWrapper.')
        if wrapper_type is not None:
            self.shared['type'] = wrapper_type

    def __call__(self, model):
        model = check_protocol(get_ori_model(model), CAPParameterGroups,
                               'CAPOptimWrapperConstructor', example='CAPClassifier')
        groups = model.cap_parameter_groups()
        unknown = sorted(set(self.cfg) - set(groups))
        if unknown:
            raise ValueError(f'optim_wrapper: unknown parameter group(s) {unknown}; the model '
                             f'has {sorted(groups)}.')
        missing = sorted(g for g in groups if g not in self.cfg and
                         any(p.requires_grad for p in groups[g]))
        if missing:
            raise ValueError(f'optim_wrapper: no optimizer for the trainable parameter '
                             f'group(s) {missing}.')
        wrappers = {}
        for name, cfg in self.cfg.items():
            cfg = dict(copy.deepcopy(dict(cfg)), **self.shared)
            if cfg.get('type') == 'OptimWrapper':
                for key in ('loss_scale', 'dtype'):
                    cfg.pop(key, None)
            if 'optimizer' not in cfg:
                raise ValueError(f'optim_wrapper.{name} has no optimizer.')
            params = [p for p in groups[name] if p.requires_grad]
            optimizer = OPTIMIZERS.build(dict(cfg.pop('optimizer'), params=params))
            cfg.setdefault('type', 'OptimWrapper')
            wrappers[name] = OPTIM_WRAPPERS.build(dict(cfg, optimizer=optimizer))
        return OptimWrapperDict(**wrappers)
