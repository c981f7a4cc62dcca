# EuroSAT (RGB, 10 land-use classes) for CAP (docs/methods.md §3).
# Default: the layout CAP's code reads (its utils/prepare_data.py; CPL's prepared data
# sets), data_root = CAP's {DATASET_DIR}/EuroSAT: <Folder>/<Folder>_<n>.jpg (AnnualCrop,
# Forest, ...) and test.txt ('<path> <label index>' per line). Training pool = every image
# of every class folder, the test images included (transductive, as CAP); test = test.txt;
# validation runs on it. Class names: CAP's class file ("annual crop land", "forest",
# "brushland or shrubland", ...; cue_plugin/datasets/cap_categories.py).
# Option: CoOp's split (split_zhou_EuroSAT.json + 2750/<Folder>/*.jpg, "Annual Crop
# Land"), what this plugin read before: the coop_* dicts below, switched to as README
# "CAP data sets".
# The dataset dicts carry no pipeline: the loaders below add CAP's views
# (../cap_pseudolabel.py, the streams and pipelines every CAP data set shares).
_base_ = ['../cap_pseudolabel.py']
num_classes = 10
data_root = 'data/cap/EuroSAT'
train_dataset = dict(type='EuroSATCAP', data_root=data_root, split='train')
val_dataset = dict(type='EuroSATCAP', data_root=data_root, split='test')
test_dataset = dict(type='EuroSATCAP', data_root=data_root, split='test')
coop_data_root = 'data/eurosat'
coop_train_dataset = dict(type='EuroSAT', data_root=coop_data_root, split='train')
coop_val_dataset = dict(type='EuroSAT', data_root=coop_data_root, split='val')
coop_test_dataset = dict(type='EuroSAT', data_root=coop_data_root, split='test')
# CAP's settings for this data set, which the CAP configs put into the model (tau) and
# the hooks (configs/cap/README.md):
cap_tau = 0.85  # FixMatch confidence threshold
cap_margin = 12.0  # m of the calibrated margin
cap_n_main = 16  # N_MAIN: initial pseudolabels per class (CAP methods/main.py:279-280)
cap_ratio = 0.8  # MAX_MAIN_RATIO of the growth k_e (methods/main.py:282-284)

train_dataloader = dict(dataset=dict(dataset=train_dataset))
val_dataloader = dict(dataset=val_dataset)
test_dataloader = dict(dataset=test_dataset)
