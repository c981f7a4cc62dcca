# EuroSAT (10 land-use classes) for CAP (SPEC §3) with CoOp's split
# (split_zhou_EuroSAT.json, readable names such as "Annual Crop Land").
# data_root: 2750/<class>/*.jpg + split_zhou_EuroSAT.json.
# No pipelines here: the CAP configs add their own.
num_classes = 10
data_root = 'data/eurosat'
train_dataset = dict(type='EuroSAT', data_root=data_root, split='train')
val_dataset = dict(type='EuroSAT', data_root=data_root, split='val')
test_dataset = dict(type='EuroSAT', data_root=data_root, split='test')
cap_tau = 0.85  # FixMatch confidence threshold
cap_margin = 12.0  # m of the calibrated margin
cap_n_main = 16  # N_MAIN: initial pseudolabels per class (CAP methods/main.py:279-280)
cap_ratio = 0.8  # MAX_MAIN_RATIO of the growth k_e (methods/main.py:282-284)
