# CAP on EuroSAT, transductive zero-shot paradigm (TRZSL: labels for the seen classes, a
# fixed-seed 62:38 seen:unseen class split; pseudolabels for the unseen classes only;
# metric: harmonic mean of seen and unseen accuracy). Seen classes get r = 1 (no margin).
_base_ = ['./clip_b32_eurosat_ul.py']

train_dataloader = dict(dataset=dict(paradigm='TRZSL', seen_ratio=0.62, split_seed=500))
val_evaluator = dict(
    _delete_=True,
    type='HarmonicMeanAccuracy',
    num_classes={{_base_.num_classes}},
    seen_ratio=0.62,
    split_seed=500)
test_evaluator = val_evaluator
