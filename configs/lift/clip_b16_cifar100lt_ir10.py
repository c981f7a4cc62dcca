# LIFT on CIFAR-100-LT IR10 (published with TTE: 84.9 All). Groups from the IR100 counts, as
# LIFT reports them (with the own counts the few group would be empty).
_base_ = './clip_b16_cifar100lt.py'
imbalance_ratio = 10
train_dataloader = dict(dataset=dict(imbalance_ratio=imbalance_ratio))
val_dataloader = dict(dataset=dict(imbalance_ratio=imbalance_ratio))
test_dataloader = val_dataloader
