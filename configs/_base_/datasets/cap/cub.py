# CUB-200-2011 for CAP (SPEC §3) with the official train_test_split.txt (5994 / 5794);
# class names from classes.txt. data_root: the extracted CUB_200_2011 folder.
# CUB has no val split: validation uses the test split, as CAP reports test accuracy.
# No pipelines here: the CAP configs add their own.
num_classes = 200
data_root = 'data/cub'
train_dataset = dict(type='CUBNamed', data_root=data_root, split='train')
val_dataset = dict(type='CUBNamed', data_root=data_root, split='test')
test_dataset = dict(type='CUBNamed', data_root=data_root, split='test')
cap_tau = 0.85  # FixMatch confidence threshold
cap_margin = 12.0  # m of the calibrated margin
cap_n_main = 16  # N_MAIN: initial pseudolabels per class (CAP methods/main.py:279-280)
cap_ratio = 0.8  # MAX_MAIN_RATIO of the growth k_e (methods/main.py:282-284)
