# PlacesLT with the OLTR list files under data/places365 (docs/methods.md §1).
_base_ = ['./oltr_clip.py']
dataset_type = 'PlacesLT'
data_root = 'data/places365'
data_preprocessor = dict(num_classes=365)
train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root, split='train',
                                     pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root, split='test',
                                   pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
