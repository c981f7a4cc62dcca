# CAP on CUB, semi-supervised paradigm (SSL: 2 labelled images per class + the rest
# unlabelled).
_base_ = ['./clip_b32_cub_ul.py']

train_dataloader = dict(dataset=dict(paradigm='SSL', num_labelled=2))
