# The device helpers live in cue_plugin.utils (below the models and the cues); kept here
# for imports written against this path.
from cue_plugin.utils import gather_to, to_device_async

__all__ = ['gather_to', 'to_device_async']
