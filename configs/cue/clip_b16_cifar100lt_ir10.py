# CUE on CIFAR-100-LT IR10 (groups from its own counts: the few group is empty).
_base_ = './clip_b16_cifar100lt.py'
imbalance_ratio = 10
train_dataloader = dict(dataset=dict(imbalance_ratio=imbalance_ratio))
val_dataloader = dict(dataset=dict(imbalance_ratio=imbalance_ratio))
test_dataloader = val_dataloader
