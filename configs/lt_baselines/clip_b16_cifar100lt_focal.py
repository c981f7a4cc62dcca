# Long-tail baseline on LIFT's model: mmpretrain's (sigmoid) focal loss instead of LA.
_base_ = ['../lift/clip_b16_cifar100lt.py']
model = dict(head=dict(loss=dict(_delete_=True, type='FocalLoss', gamma=2.0)))
