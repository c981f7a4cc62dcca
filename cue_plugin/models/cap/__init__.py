from .maple import MaPLe, ResidualAdapter

__all__ = ['MaPLe', 'ResidualAdapter']
