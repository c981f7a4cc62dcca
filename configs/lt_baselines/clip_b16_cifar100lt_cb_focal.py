# Long-tail baseline on LIFT's model: class-balanced softmax focal loss instead of LA.
_base_ = ['../lift/clip_b16_cifar100lt.py']
model = dict(head=dict(loss=dict(_delete_=True, type='ClassBalancedLoss', beta=0.9999,
                                 loss_type='focal', gamma=1.0)))
