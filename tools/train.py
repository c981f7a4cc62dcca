# Copyright (c) cue_plugin contributors. Train a model from a config (mmpretrain's flags).
import sys

from cue_plugin.apis.cli import build_runner, close_distributed, train_args, train_config
from cue_plugin.engine.hooks import NonFiniteLossError


def main():
    runner = build_runner(train_config(train_args()))
    try:
        runner.train()
    except NonFiniteLossError as e:
        close_distributed()  # every rank raised it at the same check
        # Expected for a diverging run: the message says everything, no traceback.
        sys.exit(f'Error: {e}')
    close_distributed()


if __name__ == '__main__':
    main()
