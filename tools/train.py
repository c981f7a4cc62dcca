# Copyright (c) cue_plugin contributors. Train a model from a config (mmpretrain's flags).
from cue_plugin.cli import build_runner, train_args, train_config


def main():
    runner = build_runner(train_config(train_args()))
    runner.train()


if __name__ == '__main__':
    main()
