# LIFT's model with mmpretrain's label smoothing in place of logit adjustment.
_base_ = ['../lift/clip_b16_cifar100lt.py']
model = dict(head=dict(loss=dict(_delete_=True, type='LabelSmoothLoss',
                                 label_smooth_val=0.1)))
