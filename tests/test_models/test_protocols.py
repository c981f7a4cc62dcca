"""cue_plugin.models.protocols: what the hooks and the optimizer constructor call on a
model, checked with isinstance, and the error naming the model's type and what it lacks."""
from types import SimpleNamespace

import pytest
import torch

from cue_plugin.engine.hooks import CalibratedMarginHook, PseudolabelHook
from cue_plugin.engine.optimizers import CAPOptimWrapperConstructor
from cue_plugin.models import CAPClassifier, CosineClsHead, LogitAdjustedLoss
from cue_plugin.models.protocols import (CAPParameterGroups, ClassCountsAware,
                                         ClassNamesAware, MarginModel, PEFTSwitchable,
                                         PseudolabelModel, check_protocol,
                                         protocol_members)


@pytest.fixture(scope='module')
def cap():
    torch.manual_seed(0)
    return CAPClassifier(clip=dict(arch='CUE-Tiny-ViT-28'), classnames=['a', 'b', 'c'],
                         depth=2, adapter_hidden=8)


def test_the_package_models_implement_them(cap):
    for protocol in (PseudolabelModel, MarginModel, CAPParameterGroups, ClassNamesAware):
        assert isinstance(cap, protocol), protocol.__name__
    assert isinstance(cap.maple, PEFTSwitchable)
    assert isinstance(CosineClsHead(num_classes=3, in_channels=8), ClassNamesAware)
    assert isinstance(LogitAdjustedLoss(), ClassCountsAware)
    assert not isinstance(torch.nn.Linear(2, 2), ClassNamesAware)
    assert protocol_members(CAPParameterGroups) == ['cap_parameter_groups']
    assert protocol_members(PEFTSwitchable) == ['peft_enabled']


def test_any_model_with_the_members_passes():
    class Duck:
        classnames = ['a']

        def zero_shot_image_features(self, images): ...

        def zero_shot_text_features(self, prompts): ...

        def inference_logits(self, inputs): ...

        def confident_predictions(self, epoch): ...

    duck = Duck()
    assert check_protocol(duck, PseudolabelModel, 'PseudolabelHook') is duck
    assert PseudolabelHook._model(SimpleNamespace(model=duck)) is duck


@pytest.mark.parametrize('who,call,missing', [
    ('PseudolabelHook', lambda m: PseudolabelHook._model(SimpleNamespace(model=m)),
     'confident_predictions'),
    ('CalibratedMarginHook', lambda m: CalibratedMarginHook._model(SimpleNamespace(model=m)),
     'set_margin'),
    ('CAPOptimWrapperConstructor',
     lambda m: CAPOptimWrapperConstructor(dict(prompts=dict(optimizer=dict(type='SGD'))))(m),
     'cap_parameter_groups'),
])
def test_a_model_without_them_is_refused_naming_type_and_members(who, call, missing):
    with pytest.raises(TypeError) as err:
        call(torch.nn.Linear(2, 2))
    msg = str(err.value)
    assert msg.startswith(f'{who} needs a model that implements ')
    assert 'as CAPClassifier does; Linear has no ' in msg and missing in msg.split('has no')[1]
