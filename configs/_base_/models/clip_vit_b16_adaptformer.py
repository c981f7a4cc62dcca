# LIFT: frozen CLIP ViT-B/16 (OpenAI weights) + AdaptFormer + text-initialised cosine
# head + logit-adjusted CE. num_classes comes from the dataset config.
model = dict(
    type='CLIPImageClassifier',
    backbone=dict(
        type='OpenCLIPViT',
        arch='ViT-B-16',
        pretrained='openai',
        peft=dict(type='AdaptFormer', bottleneck='auto'),
    ),
    neck=None,
    head=dict(
        type='CosineClsHead',
        num_classes=100,
        in_channels=None,  # the backbone's width: 768 for ViT-B/16
        scale=25.0,
        text_init=True,
        text_template='a photo of a {}.',
        loss=dict(type='LogitAdjustedLoss', tau=1.0),
    ),
)
