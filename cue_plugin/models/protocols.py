"""What the runner's components (``engine/``) call on models, declared as protocols.

Hooks and optimizer constructors work with any model that has these members, not only
this package's classes: the protocols are ``runtime_checkable``, so ``isinstance(model,
PseudolabelModel)`` checks a model, and :func:`check_protocol` turns a miss into an error
that names the component, the model's type and the members it lacks. Only methods and
properties are declared, never submodules: from Python 3.12 ``isinstance`` looks members
up statically (``inspect.getattr_static``), which does not see an ``nn.Module``'s
submodules, parameters or buffers.
"""
from typing import Dict, List, Protocol, Sequence, Tuple, runtime_checkable

import torch

__all__ = ['ClassNamesAware', 'ClassCountsAware', 'PEFTSwitchable', 'CAPParameterGroups',
           'PseudolabelModel', 'MarginModel', 'protocol_members', 'check_protocol']


@runtime_checkable
class ClassNamesAware(Protocol):
    """Takes the class names before its weights are initialised: heads initialised from
    class-name text (``CosineClsHead``), CUE's objective, ``CAPClassifier``. Called by
    ``ClassMetaHook`` (through :func:`cue_plugin.utils.set_class_meta`, on the model and
    every submodule) and by ``EvalClassNamesHook`` (on the model)."""

    def set_classnames(self, classnames: Sequence[str], source: str = '') -> None:
        """Set the class names.

        Args:
            classnames (Sequence[str]): the names in label order.
            source (str): where the names come from, for messages.
        """


@runtime_checkable
class ClassCountsAware(Protocol):
    """Takes the training set's per-class counts: the class prior of LA / BLA and the other
    prior-aware losses. Called by ``ClassMetaHook`` (through
    :func:`cue_plugin.utils.set_class_meta`) on every submodule."""

    def set_class_counts(self, class_counts: Sequence[int]) -> None:
        """Set the per-class training counts, in label order."""


@runtime_checkable
class PEFTSwitchable(Protocol):
    """A PEFT module that can be switched off, so that the tower it modulates computes the
    frozen CLIP (the zero-shot teacher of the instance cue, CAP's zero-shot features):
    :class:`~cue_plugin.models.peft.PEFTBlock`, ``LoRA``'s projections, MaPLe.
    :func:`~cue_plugin.models.peft.peft_disabled` switches every such module of a tower;
    it runs every training step, so it tests ``hasattr`` (an ``isinstance`` against a
    protocol costs several times as much, for each of the tower's modules)."""

    peft_enabled: bool


@runtime_checkable
class CAPParameterGroups(Protocol):
    """A model trained by several optimizers, one per named group of parameters:
    ``CAPOptimWrapperConstructor`` builds an ``OptimWrapperDict`` from the groups."""

    def cap_parameter_groups(self) -> Dict[str, List[torch.nn.Parameter]]:
        """``{group name: parameters}``, e.g. CAP's ``prompts`` and ``adapters``."""


@runtime_checkable
class PseudolabelModel(Protocol):
    """What ``PseudolabelHook`` reads to build and refill the pseudolabelled main set
    (implemented by ``CAPClassifier``)."""

    @property
    def classnames(self) -> List[str]:
        """The class names, in label order."""

    def zero_shot_image_features(self, images: torch.Tensor) -> torch.Tensor:
        """Normalised image features of the frozen CLIP (N x d)."""

    def zero_shot_text_features(self, prompts: Sequence[str]) -> torch.Tensor:
        """Normalised text features of whole sentences under the frozen CLIP (P x d)."""

    def inference_logits(self, inputs: torch.Tensor) -> torch.Tensor:
        """Prediction logits (N x C): GRIP's refill pass."""

    def confident_predictions(self, epoch: int) -> Tuple[torch.Tensor, ...]:
        """``(classes, confidences, unlabelled indices)`` of this rank's confident
        predictions in ``epoch``: CAP's refill."""


@runtime_checkable
class MarginModel(Protocol):
    """What ``CalibratedMarginHook`` reads to rebuild CAP's margin matrix every epoch,
    and where it sets it (implemented by ``CAPClassifier``)."""

    @property
    def classnames(self) -> List[str]:
        """The class names, in label order."""

    def class_text_features(self) -> torch.Tensor:
        """The prompted text features as at inference (C x d)."""

    def main_image_features(self, images: torch.Tensor) -> torch.Tensor:
        """The main path's image features (N x d)."""

    def zero_shot_image_features(self, images: torch.Tensor) -> torch.Tensor:
        """Normalised image features of the frozen CLIP (N x d)."""

    def zero_shot_text_features(self, prompts: Sequence[str]) -> torch.Tensor:
        """Normalised text features of whole sentences under the frozen CLIP (P x d)."""

    def confident_counts(self, epoch: int) -> torch.Tensor:
        """Per-class count of this rank's confident predictions in ``epoch`` (C)."""

    def set_margin(self, margin: torch.Tensor) -> None:
        """Set the margin matrix M (C x C) the loss adds from now on."""


def protocol_members(protocol: type) -> List[str]:
    """The members a protocol declares (methods, properties, annotated attributes)."""
    names = set()
    for base in protocol.__mro__:
        if base in (Protocol, object) or not getattr(base, '_is_protocol', False):
            continue
        names.update(vars(base).get('__annotations__', {}))
        names.update(n for n in vars(base) if not n.startswith('_'))
    return sorted(names)


def check_protocol(model, protocol: type, who: str, example: str = ''):
    """``model`` if it implements ``protocol``, else a ``TypeError`` naming ``who``, the
    model's type and the members it lacks.

    Args:
        model: the model (unwrapped: ``mmpretrain.utils.get_ori_model``).
        protocol (type): one of the protocols above.
        who (str): the component that needs it, for the message.
        example (str): a class that implements it, for the message.

    A model whose members are all found by ``hasattr`` passes even where ``isinstance``
    does not see one of them (Python >= 3.12 looks members up statically, so a member
    served by ``__getattr__`` is not seen).
    """
    if isinstance(model, protocol):
        return model
    members = protocol_members(protocol)
    missing = [name for name in members if not hasattr(model, name)]
    if not missing:
        return model
    example = f', as {example} does' if example else ''
    raise TypeError(
        f'{who} needs a model that implements {protocol.__name__} ({", ".join(members)}; '
        f'{protocol.__module__}){example}; {type(model).__name__} has no '
        f'{", ".join(missing)}.')
