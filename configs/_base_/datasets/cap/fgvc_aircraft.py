# FGVC-Aircraft (100 variants) for CAP (SPEC §3) with the official variant lists
# data/images_variant_{train,val,test}.txt, which CoOp / GRIP / CPL also read; class names
# from data/variants.txt. data_root: the extracted fgvc-aircraft-2013b folder.
# No pipelines here: the CAP configs add their own.
num_classes = 100
data_root = 'data/fgvc_aircraft'
train_dataset = dict(type='FGVCAircraftNamed', data_root=data_root, split='train')
val_dataset = dict(type='FGVCAircraftNamed', data_root=data_root, split='val')
test_dataset = dict(type='FGVCAircraftNamed', data_root=data_root, split='test')
# Fine-grained and hard for zero-shot CLIP: CAP lowers the threshold, raises the margin.
cap_tau = 0.5  # FixMatch confidence threshold
cap_margin = 14.0  # m: methods/main.py:285; its run script's MARGIN_SCALE (12) overrides
#   that (main.py:291, scripts/run.sh): set 12.0 for the script's reading
cap_n_main = 16  # N_MAIN: initial pseudolabels per class (CAP methods/main.py:279-280)
cap_ratio = 0.6  # MAX_MAIN_RATIO of the growth k_e (methods/main.py:282-284)
