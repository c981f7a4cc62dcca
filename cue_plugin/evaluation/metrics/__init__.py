from .shot_group_accuracy import ShotGroupAccuracy, shot_group_accuracy

__all__ = ['ShotGroupAccuracy', 'shot_group_accuracy']
