# CUB-200-2011 for CAP (docs/methods.md §3).
# Default: as CAP's code reads it (its utils/prepare_data.py), data_root = CAP's
# {DATASET_DIR}/CUB, holding the extracted CUB_200_2011 folder: the official
# train_test_split.txt (5994 train = the training pool / 5794 test); class names from
# CUB_200_2011/classes.txt as CAP writes them ("black footed albatross").
# CUB has no val split: validation uses the test split, as CAP reports test accuracy.
# Option: CUBNamed on the CUB_200_2011 folder itself (same split, names as in classes.txt,
# "Black_footed_Albatross"), what this plugin read before: the coop_* dicts below (CoOp
# has no CUB; the name keeps one switch for all six), switched to as README "CAP data sets".
# The dataset dicts carry no pipeline: the loaders below add CAP's views
# (../cap_pseudolabel.py, the streams and pipelines every CAP data set shares).
_base_ = ['../cap_pseudolabel.py']
num_classes = 200
data_root = 'data/cap/CUB'
train_dataset = dict(type='CUBCAP', data_root=data_root, split='train')
val_dataset = dict(type='CUBCAP', data_root=data_root, split='test')
test_dataset = dict(type='CUBCAP', data_root=data_root, split='test')
coop_data_root = 'data/cub'
coop_train_dataset = dict(type='CUBNamed', data_root=coop_data_root, split='train')
coop_val_dataset = dict(type='CUBNamed', data_root=coop_data_root, split='test')
coop_test_dataset = dict(type='CUBNamed', data_root=coop_data_root, split='test')
# CAP's settings for this data set, which the CAP configs put into the model (tau) and
# the hooks (configs/cap/README.md):
cap_tau = 0.85  # FixMatch confidence threshold
cap_margin = 12.0  # m of the calibrated margin
cap_n_main = 16  # N_MAIN: initial pseudolabels per class (CAP methods/main.py:279-280)
cap_ratio = 0.8  # MAX_MAIN_RATIO of the growth k_e (methods/main.py:282-284)

train_dataloader = dict(dataset=dict(dataset=train_dataset))
val_dataloader = dict(dataset=val_dataset)
test_dataloader = dict(dataset=test_dataset)
