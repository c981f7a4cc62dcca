from .batch import gather_to

__all__ = ['gather_to']
