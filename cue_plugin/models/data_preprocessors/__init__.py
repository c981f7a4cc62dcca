from .cap_data_preprocessor import CAPDataPreprocessor
from .resize_cls_data_preprocessor import ResizeClsDataPreprocessor

__all__ = ['CAPDataPreprocessor', 'ResizeClsDataPreprocessor']
