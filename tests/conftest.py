import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import pytest  # noqa: E402
import torch  # noqa: E402

import cue_plugin  # noqa: E402,F401  (registers components)
from fake_data import make_fake_cifar100, make_fake_eurosat, make_fake_fashion_mnist  # noqa: E402

torch.set_num_threads(min(2, torch.get_num_threads()))


@pytest.fixture(scope='session')
def fake_cifar(tmp_path_factory):
    """100 classes x 6 train / 2 test images in the official pickle layout."""
    return make_fake_cifar100(str(tmp_path_factory.mktemp('cifar100')), 6, 2)


@pytest.fixture(scope='session')
def full_size_cifar(tmp_path_factory):
    """50,000 / 10,000 images like real CIFAR-100, with random content."""
    return make_fake_cifar100(str(tmp_path_factory.mktemp('cifar100_full')), 500, 100,
                              seed=1)


@pytest.fixture(scope='session')
def fake_fmnist(tmp_path_factory):
    return make_fake_fashion_mnist(str(tmp_path_factory.mktemp('fmnist')), 50, 5)


@pytest.fixture(scope='session')
def tiny_clip_ckpt(tmp_path_factory):
    """A randomly initialised CUE-Tiny-ViT CLIP saved as a local open_clip checkpoint."""
    from cue_plugin.models.clip import build_open_clip
    torch.manual_seed(0)
    model, _, _ = build_open_clip('CUE-Tiny-ViT')
    path = str(tmp_path_factory.mktemp('clip') / 'tiny_clip.pt')
    torch.save(model.state_dict(), path)
    return path


@pytest.fixture(scope='module')
def eurosat(tmp_path_factory):
    # 5 EuroSAT classes in CAP's layout: 12 images per class, all in the training pool
    # (2 of them also listed in test.txt).
    return make_fake_eurosat(str(tmp_path_factory.mktemp('eurosat')), per_class=(8, 2, 2))
