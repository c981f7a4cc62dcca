# Copyright (c) cue_plugin contributors. Evaluate a checkpoint on a config's test set.
from cue_plugin.apis.cli import build_runner, close_distributed, test_args, test_config


def main():
    runner = build_runner(test_config(test_args()))
    runner.test()
    close_distributed()


if __name__ == '__main__':
    main()
