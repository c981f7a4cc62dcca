# CUE's cues beside mmpretrain's label-smoothed CE (instead of LA) as the class loss.
_base_ = ['../cue/clip_b16_cifar100lt.py']
model = dict(head=dict(loss=dict(_delete_=True, type='LabelSmoothLoss',
                                 label_smooth_val=0.1)))
