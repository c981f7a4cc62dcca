# Pretrain (or reuse) the miniature CLIP of the embedded demo: a 28 px CLIP trained
# contrastively on Fashion-MNIST training images the long-tailed subset never uses, with
# web-like captions (fine, coarse, a few wrong). See cue_plugin/apis/tiny_clip.py.
#   python tools/pretrain_tiny_clip.py [--out work_dirs/tiny_clip] [--epochs 6] [--seed 0]
#       [--num-images 10000] [--data-root /usr/share/datasets/fashion-mnist] [--force]
import argparse

from cue_plugin.apis import pretrain_tiny_clip
from cue_plugin.datasets import DEBIAN_FASHION_MNIST


def main():
    p = argparse.ArgumentParser(description='Pretrain the miniature CLIP')
    p.add_argument('--out', default='work_dirs/tiny_clip')
    p.add_argument('--data-root', default=DEBIAN_FASHION_MNIST)
    p.add_argument('--num-images', type=int, default=10000)
    p.add_argument('--epochs', type=int, default=6)
    p.add_argument('--batch-size', type=int, default=256)
    p.add_argument('--lr', type=float, default=2e-3)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--force', action='store_true', help='retrain even if a result exists')
    args = p.parse_args()
    meta = pretrain_tiny_clip(args.out, args.data_root, args.num_images, args.epochs,
                              args.batch_size, args.lr, args.seed, force=args.force)
    zs = meta['zero_shot']
    print(f"Tiny CLIP {meta['checkpoint']} (sha256 {meta['sha256'][:12]}): zero-shot top-1 "
          f"{zs['top1']:.2f}% on Fashion-MNIST's 10,000 test images (coarse groups "
          f"{zs['group_top1']:.2f}%)")


if __name__ == '__main__':
    main()
