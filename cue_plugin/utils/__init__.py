"""Helpers below every registered component: no models, data sets or hooks here."""
from .device import gather_to, to_device_async

__all__ = ['gather_to', 'to_device_async']
