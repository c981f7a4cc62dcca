from .batch import gather_to, to_device_async

__all__ = ['gather_to', 'to_device_async']
