# CUE on CIFAR-100-LT IR100 (published: 82.8 All / 82.0 Few without TTE):
# LA + 0.5 * BLA(class cue: the CUE authors' LLM graph) + 0.5 * BLA(instance cue: top-5
# classes of a frozen zero-shot CLIP on the same augmented batch, computed online).
_base_ = ['../lift/clip_b16_cifar100lt.py']

model = dict(
    type='CUEImageClassifier',
    instance_cue=dict(mode='online', k=5, template='a photo of a {}.', logit_scale=100.0),
    head=dict(
        type='CUEClsHead',
        class_cue='cifar100.json',
        lambda_llm=0.5,
        lambda_vlm=0.5,
        bla_loss=dict(type='BinaryLogitAdjustedLoss', tau_b=1.0)))
