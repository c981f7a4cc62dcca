from .harmonic_mean_accuracy import HarmonicMeanAccuracy, harmonic_mean_accuracy
from .shot_group_accuracy import ShotGroupAccuracy, shot_group_accuracy

__all__ = ['HarmonicMeanAccuracy', 'harmonic_mean_accuracy', 'ShotGroupAccuracy',
           'shot_group_accuracy']
