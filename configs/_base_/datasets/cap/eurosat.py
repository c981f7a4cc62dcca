# EuroSAT with CoOp's split (split_zhou_EuroSAT.json, images under 2750/), CAP's
# interface: num_classes, data_root, {train,val,test}_dataset (no pipeline), cap_tau,
# cap_margin. (Stand-in of the cap-train branch; the cap-data branch owns this file.)
num_classes = 10
data_root = 'data/eurosat'
train_dataset = dict(type='EuroSAT', data_root=data_root, split='train')
val_dataset = dict(type='EuroSAT', data_root=data_root, split='val')
test_dataset = dict(type='EuroSAT', data_root=data_root, split='test')
cap_tau = 0.85
cap_margin = 12.0
