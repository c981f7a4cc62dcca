# CAP on EuroSAT, semi-supervised paradigm (SSL: 2 labelled images per class + the rest
# unlabelled).
_base_ = ['./clip_b32_eurosat_ul.py']

train_dataloader = dict(dataset=dict(paradigm='SSL', num_labelled=2))
