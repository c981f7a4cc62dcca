# NWPU-RESISC45 (45 scene classes) for CAP (SPEC §3) with the split file of CAP's
# baselines (split_RESISC45.json). data_root: NWPU-RESISC45/<class>/*.jpg +
# split_RESISC45.json. No pipelines here: the CAP configs add their own.
num_classes = 45
data_root = 'data/resisc45'
train_dataset = dict(type='RESISC45', data_root=data_root, split='train')
val_dataset = dict(type='RESISC45', data_root=data_root, split='val')
test_dataset = dict(type='RESISC45', data_root=data_root, split='test')
cap_tau = 0.85  # FixMatch confidence threshold
cap_margin = 12.0  # m of the calibrated margin
cap_n_main = 16  # N_MAIN: initial pseudolabels per class (CAP methods/main.py:279-280)
cap_ratio = 0.8  # MAX_MAIN_RATIO of the growth k_e (methods/main.py:282-284)
