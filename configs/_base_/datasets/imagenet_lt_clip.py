# ImageNetLT with the OLTR list files under data/imagenet (docs/methods.md §1).
_base_ = ['./oltr_clip.py']
dataset_type = 'ImageNetLT'
data_root = 'data/imagenet'
data_preprocessor = dict(num_classes=1000)
train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root, split='train',
                                     pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root, split='test',
                                   pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
