from .harmonic_mean_accuracy import HarmonicMeanAccuracy, harmonic_mean_accuracy
from .pred_gt_metric import PredGtMetric
from .shot_group_accuracy import ShotGroupAccuracy, shot_group_accuracy

__all__ = ['HarmonicMeanAccuracy', 'harmonic_mean_accuracy', 'PredGtMetric',
           'ShotGroupAccuracy', 'shot_group_accuracy']
