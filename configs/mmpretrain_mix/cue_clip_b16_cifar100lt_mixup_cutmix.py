# CUE with mmpretrain's Mixup / CutMix: the classifier mixes the labels, the class-cue
# targets and the instance-cue targets (teacher on the unmixed batch) with the images'
# weights. Batch augments go to CUEImageClassifier, not the data preprocessor.
_base_ = ['../cue/clip_b16_cifar100lt.py']
model = dict(batch_augments=dict(augments=[
    dict(type='Mixup', alpha=0.8),
    dict(type='CutMix', alpha=1.0),
]))
