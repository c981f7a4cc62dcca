from .data_sample_batch import DataSampleBatch
from .utils import batch_field, batch_on_device, has_field, set_batch_field

__all__ = ['DataSampleBatch', 'batch_field', 'batch_on_device', 'has_field',
           'set_batch_field']
