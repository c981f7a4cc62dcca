from .auto_amp_optim_wrapper import AutoAmpOptimWrapper
from .cap_optim_wrapper_constructor import CAPOptimWrapperConstructor

__all__ = ['AutoAmpOptimWrapper', 'CAPOptimWrapperConstructor']
