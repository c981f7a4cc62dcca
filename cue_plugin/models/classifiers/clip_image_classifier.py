import copy

from mmengine.logging import MMLogger
from mmpretrain.models.classifiers import ImageClassifier

from cue_plugin.registry import MODELS


@MODELS.register_module()
class CLIPImageClassifier(ImageClassifier):
    """mmpretrain's ``ImageClassifier`` for a CLIP backbone whose head starts from text.

    Beyond ``ImageClassifier`` it (1) gives the backbone the number of classes, which
    PEFT rules such as AdaptFormer's ``bottleneck='auto'`` need, and (2) in
    :meth:`init_weights` initialises a head with ``text_init=True`` from the backbone's
    own text tower (:meth:`OpenCLIPViT.encode_class_names`), ``w_c = t_c @ proj^T``;
    (3) sets the head's ``in_channels`` from the backbone when the config leaves it None.
    Class names come from ``head.classnames`` or the training set (``ClassMetaHook``).
    All arguments are those of ``ImageClassifier``.
    """

    def __init__(self, backbone: dict, head: dict = None, **kwargs):
        backbone = copy.deepcopy(backbone)
        head = copy.deepcopy(head)
        if head is not None and 'num_classes' in head and backbone.get('peft') is not None:
            backbone.setdefault('num_classes', head['num_classes'])
        backbone = MODELS.build(backbone)
        # The head's width follows the backbone unless the config fixes it.
        if head is not None and head.get('in_channels', None) is None and \
                hasattr(backbone, 'out_channels'):
            head['in_channels'] = backbone.out_channels
        super().__init__(backbone=backbone, head=head, **kwargs)

    def init_weights(self):
        super().init_weights()
        head = self.head
        if not getattr(head, 'text_init', False):
            return
        if head.classnames is None:
            raise RuntimeError(
                'The head is initialised from class-name text (text_init=True) but has no '
                "class names: add custom_hooks=[dict(type='ClassMetaHook')] (reads them "
                "from the training set's metainfo) or set model.head.classnames.")
        text = self.backbone.encode_class_names(head.classnames, head.text_template)
        proj = self.backbone.image_projection.detach().float()  # may be stored in bf16
        head.init_from_text(text.to(proj.device) @ proj.t())
        MMLogger.get_current_instance().info(
            f'Initialised {type(head).__name__} from CLIP text features of '
            f'{len(head.classnames)} classes ("{head.text_template}").')
