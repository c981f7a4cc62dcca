from .backbones import *  # noqa: F401,F403
from .classifiers import *  # noqa: F401,F403
from .data_preprocessors import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .peft import *  # noqa: F401,F403
from .tta import *  # noqa: F401,F403
from .wrappers import *  # noqa: F401,F403
