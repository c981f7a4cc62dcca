"""Old names kept working for one release, each with a warning that names the new one.

Issue #14 gave CUE's two cues one vocabulary (class cue / instance cue; LLM, taxonomy,
text-kNN and VLM are only their *sources*). Registry names and config keys that users may
have written keep working until the next release; every use warns once per call site.
"""
import functools
import warnings
from typing import Callable, Dict

#: The release after which the deprecated names are removed.
REMOVED_IN = '0.3'


class CUEDeprecationWarning(DeprecationWarning):
    """A deprecated cue_plugin name (registry name, config key, data-sample field)."""


# Python hides DeprecationWarning unless raised from __main__, but these are meant for
# whoever runs a config (tools/train.py), not for library developers: show ours, once per
# location, without touching how other libraries' warnings are filtered.
warnings.filterwarnings('default', category=CUEDeprecationWarning)


def warn_renamed(old: str, new: str, what: str = 'name', stacklevel: int = 3) -> None:
    """Warn that ``old`` is a deprecated ``what`` for ``new``."""
    warnings.warn(
        f'{what} {old!r} is deprecated and will be removed in cue_plugin {REMOVED_IN}: '
        f'use {new!r} (the class cue / instance cue vocabulary).',
        CUEDeprecationWarning, stacklevel=stacklevel)


def renamed_kwargs(**renames: str) -> Callable:
    """Decorate an ``__init__`` so that old keyword names (``old='new'``) still work.

    An old keyword is passed on under its new name with a :class:`CUEDeprecationWarning`.
    When both are given, the old one wins, with a warning naming both values: the shipped
    configs set only the new names, so an old key next to a new one is a user's config
    overriding a shipped base (``_base_`` merging keeps both keys), and an override must
    keep working for the release it is deprecated in.
    """

    def decorator(init: Callable) -> Callable:

        @functools.wraps(init)
        def wrapper(self, *args, **kwargs):
            _rename(type(self).__name__, kwargs, renames)
            return init(self, *args, **kwargs)

        return wrapper

    return decorator


def _rename(owner: str, kwargs: dict, renames: Dict[str, str]) -> None:
    for old, new in renames.items():
        if old not in kwargs:
            continue
        if new in kwargs:
            warnings.warn(
                f'{owner}: {old}={kwargs[old]!r} (deprecated) overrides {new}='
                f'{kwargs[new]!r}, which a base config sets; write {new} instead, '
                f'{old} will be removed in cue_plugin {REMOVED_IN}.',
                CUEDeprecationWarning, stacklevel=4)
            kwargs[new] = kwargs.pop(old)
            continue
        warn_renamed(old, new, f'{owner} argument', stacklevel=4)
        kwargs[new] = kwargs.pop(old)
