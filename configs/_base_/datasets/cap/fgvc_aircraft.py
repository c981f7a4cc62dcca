# FGVC-Aircraft (100 variants) for CAP (docs/methods.md §3).
# Default: the layout CAP's code reads (its utils/prepare_data.py; CPL's prepared data
# sets), data_root = CAP's {DATASET_DIR}/FGVCAircraft: train.txt / val.txt / test.txt
# ('<variant folder>/<file> <label index>' per line; the class is the folder), images under
# train/ val/ test/. Training pool = train + val lists (CAP keeps no validation set), so
# validation runs on the test list. Class names: CAP's labels.txt ('F-16A-B', ...;
# cue_plugin/datasets/cap_categories.py).
# Option: the official fgvc-aircraft-2013b lists data/images_variant_{train,val,test}.txt
# with data/variants.txt, as CoOp reads them and this plugin did before: the coop_* dicts
# below, switched to as README "CAP data sets".
# The dataset dicts carry no pipeline: the loaders below add CAP's views
# (../cap_pseudolabel.py, the streams and pipelines every CAP data set shares).
_base_ = ['../cap_pseudolabel.py']
num_classes = 100
data_root = 'data/cap/FGVCAircraft'
train_dataset = dict(type='FGVCAircraftCAP', data_root=data_root, split='train')
val_dataset = dict(type='FGVCAircraftCAP', data_root=data_root, split='test')
test_dataset = dict(type='FGVCAircraftCAP', data_root=data_root, split='test')
coop_data_root = 'data/fgvc_aircraft'
coop_train_dataset = dict(type='FGVCAircraftNamed', data_root=coop_data_root, split='train')
coop_val_dataset = dict(type='FGVCAircraftNamed', data_root=coop_data_root, split='val')
coop_test_dataset = dict(type='FGVCAircraftNamed', data_root=coop_data_root, split='test')
# CAP's settings for this data set, which the CAP configs put into the model (tau) and
# the hooks (configs/cap/README.md):
# Fine-grained and hard for zero-shot CLIP: CAP lowers the threshold, raises the margin.
cap_tau = 0.5  # FixMatch confidence threshold
cap_margin = 14.0  # m: methods/main.py:285; its run script's MARGIN_SCALE (12) overrides
#   that (main.py:291, scripts/run.sh): set 12.0 for the script's reading
cap_n_main = 16  # N_MAIN: initial pseudolabels per class (CAP methods/main.py:279-280)
cap_ratio = 0.6  # MAX_MAIN_RATIO of the growth k_e (methods/main.py:282-284)

train_dataloader = dict(dataset=dict(dataset=train_dataset))
val_dataloader = dict(dataset=val_dataset)
test_dataloader = dict(dataset=test_dataset)
