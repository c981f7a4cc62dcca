# Oxford Flowers-102 for CAP (SPEC §3) with CoOp's split (split_zhou_OxfordFlowers.json),
# the split CAP's baselines (CoOp / GRIP / CPL) report on, so the published table is
# comparable. data_root: jpg/image_*.jpg + split_zhou_OxfordFlowers.json.
# mmpretrain's official split (setid.mat) instead: README "CAP data sets".
# No pipelines here: the CAP configs add their own (weak / strong views, CLIP test).
num_classes = 102
data_root = 'data/flowers102'
train_dataset = dict(type='OxfordFlowersCoOp', data_root=data_root, split='train')
val_dataset = dict(type='OxfordFlowersCoOp', data_root=data_root, split='val')
test_dataset = dict(type='OxfordFlowersCoOp', data_root=data_root, split='test')
cap_tau = 0.85  # FixMatch confidence threshold
cap_margin = 12.0  # m of the calibrated margin
cap_n_main = 6  # N_MAIN: initial pseudolabels per class (CAP methods/main.py:279-280)
cap_ratio = 0.8  # MAX_MAIN_RATIO of the growth k_e (methods/main.py:282-284)
