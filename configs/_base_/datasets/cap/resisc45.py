# NWPU-RESISC45 (45 scene classes) for CAP (docs/methods.md §3).
# Default: the layout CAP's code reads (its utils/prepare_data.py; CPL's prepared data
# sets), data_root = CAP's {DATASET_DIR}/RESICS45 (sic): train.json / val.json / test.json
# ('images' with 'file_name' = '<class>/<class>_<n>.jpg'; train.json's 'categories' give
# the class names and their order), images under <class>/. Training pool = train + val
# (CAP keeps no validation set), so validation runs on test.json.
# Option: the CoOp-style split_RESISC45.json of CAP's baselines + NWPU-RESISC45/<class>/,
# what this plugin read before: the coop_* dicts below, switched to as README "CAP data
# sets".
# The dataset dicts carry no pipeline: the loaders below add CAP's views
# (../cap_pseudolabel.py, the streams and pipelines every CAP data set shares).
_base_ = ['../cap_pseudolabel.py']
num_classes = 45
data_root = 'data/cap/RESICS45'
train_dataset = dict(type='RESISC45CAP', data_root=data_root, split='train')
val_dataset = dict(type='RESISC45CAP', data_root=data_root, split='test')
test_dataset = dict(type='RESISC45CAP', data_root=data_root, split='test')
coop_data_root = 'data/resisc45'
coop_train_dataset = dict(type='RESISC45', data_root=coop_data_root, split='train')
coop_val_dataset = dict(type='RESISC45', data_root=coop_data_root, split='val')
coop_test_dataset = dict(type='RESISC45', data_root=coop_data_root, split='test')
# CAP's settings for this data set, which the CAP configs put into the model (tau) and
# the hooks (configs/cap/README.md):
cap_tau = 0.85  # FixMatch confidence threshold
cap_margin = 12.0  # m of the calibrated margin
cap_n_main = 16  # N_MAIN: initial pseudolabels per class (CAP methods/main.py:279-280)
cap_ratio = 0.8  # MAX_MAIN_RATIO of the growth k_e (methods/main.py:282-284)

train_dataloader = dict(dataset=dict(dataset=train_dataset))
val_dataloader = dict(dataset=val_dataset)
test_dataloader = dict(dataset=test_dataset)
