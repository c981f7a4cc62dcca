# INaturalist2018LT with the OLTR list files under data/inat2018 (docs/methods.md §1).
_base_ = ['./oltr_clip.py']
dataset_type = 'INaturalist2018LT'
data_root = 'data/inat2018'
data_preprocessor = dict(num_classes=8142)
train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root, split='train',
                                     pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root, split='val',
                                   pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
