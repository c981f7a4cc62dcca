# CUE on CIFAR-100-LT IR100 (published: 82.8 All / 82.0 Few without TTE):
# LA + 0.5 * BLA(class cue: the CUE authors' LLM graph) + 0.5 * BLA(instance cue: top-5
# classes of a frozen zero-shot CLIP on the same augmented batch, computed online).
# LIFT's model and schedule with CUE's CIFAR pipeline (Resize(224) + CenterCrop(224) + flip;
# CUE trainer.py) and groups from each data set's own training counts.
_base_ = [
    '../_base_/models/clip_vit_b16_adaptformer.py',
    '../_base_/datasets/cifar100lt_clip.py',
    '../_base_/datasets/cifar100lt_tta.py',
    '../_base_/schedules/lift_sgd_10e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='CUEImageClassifier',
    instance_cue=dict(mode='online', k=5, template='a photo of a {}.', logit_scale=100.0),
    head=dict(
        type='CUEClsHead',
        class_cue='cifar100.json',
        lambda_class=0.5,
        lambda_instance=0.5,
        bla_loss=dict(type='BinaryLogitAdjustedLoss', tau_b=1.0)))
