import os
import stat

import pytest

from cue_plugin.utils.fileio import atomic_write_bytes, atomic_write_json


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.parametrize('write', [
    lambda p: atomic_write_bytes(p, b'x'),
    lambda p: atomic_write_json(p, dict(a=1)),
])
def test_atomic_write_follows_umask(tmp_path, umask_022, write):
    path = str(tmp_path / 'out.json')
    write(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    # Same mode as a file created the ordinary way.
    with open(tmp_path / 'plain', 'w'):
        pass
    assert os.stat(path).st_mode == os.stat(tmp_path / 'plain').st_mode


def test_atomic_write_umask_077(tmp_path):
    old = os.umask(0o077)
    try:
        atomic_write_bytes(str(tmp_path / 'f'), b'x')
        assert os.umask(0o077) == 0o077  # the writer put the umask back
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / 'f').st_mode) == 0o600


def test_atomic_write_leaves_no_temp_on_error(tmp_path):
    with pytest.raises(TypeError):
        atomic_write_bytes(str(tmp_path / 'f'), 'not bytes')
    assert os.listdir(tmp_path) == []
