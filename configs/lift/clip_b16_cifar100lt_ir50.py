# LIFT on CIFAR-100-LT IR50 (published with TTE: 83.1 All); groups from the IR100 counts.
_base_ = './clip_b16_cifar100lt.py'
imbalance_ratio = 50
train_dataloader = dict(dataset=dict(imbalance_ratio=imbalance_ratio))
val_dataloader = dict(dataset=dict(imbalance_ratio=imbalance_ratio))
test_dataloader = val_dataloader
