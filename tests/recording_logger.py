"""A logger stand-in that records what it is told (MMLogger's handlers hold the real
stdout, so capsys cannot see it)."""


class RecordingLogger:

    def __init__(self):
        self.infos, self.warnings = [], []

    def info(self, msg):
        self.infos.append(msg)

    def warning(self, msg):
        self.warnings.append(msg)
