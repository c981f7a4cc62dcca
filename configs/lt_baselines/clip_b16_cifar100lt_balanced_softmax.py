# Long-tail baseline on LIFT's model: Balanced Softmax (equivalent to LA with tau=1) instead of LA.
_base_ = ['../lift/clip_b16_cifar100lt.py']
model = dict(head=dict(loss=dict(_delete_=True, type='BalancedSoftmaxLoss')))
