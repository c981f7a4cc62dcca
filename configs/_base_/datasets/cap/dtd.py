# Describable Textures (DTD) for CAP (SPEC §3) with CoOp's split
# (split_zhou_DescribableTextures.json), the split CAP's baselines report on.
# data_root: images/<class>/*.jpg + split_zhou_DescribableTextures.json.
# mmpretrain's official split (imdb/imdb.mat) instead: README "CAP data sets".
# No pipelines here: the CAP configs add their own.
num_classes = 47
data_root = 'data/dtd'
train_dataset = dict(type='DTDCoOp', data_root=data_root, split='train')
val_dataset = dict(type='DTDCoOp', data_root=data_root, split='val')
test_dataset = dict(type='DTDCoOp', data_root=data_root, split='test')
cap_tau = 0.85  # FixMatch confidence threshold
cap_margin = 12.0  # m of the calibrated margin
cap_n_main = 16  # N_MAIN: initial pseudolabels per class (CAP methods/main.py:279-280)
cap_ratio = 0.8  # MAX_MAIN_RATIO of the growth k_e (methods/main.py:282-284)
