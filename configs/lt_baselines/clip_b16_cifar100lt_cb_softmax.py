# Long-tail baseline on LIFT's model: class-balanced (effective number) softmax CE instead of LA.
_base_ = ['../lift/clip_b16_cifar100lt.py']
model = dict(head=dict(loss=dict(_delete_=True, type='ClassBalancedLoss', beta=0.9999)))
