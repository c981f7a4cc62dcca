from .shot_group_accuracy import ShotGroupAccuracy

__all__ = ['ShotGroupAccuracy']
