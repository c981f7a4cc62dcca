# Classify images (a folder or files) with a config and checkpoint, printing class names.
#   python tools/misc/infer.py CONFIG CHECKPOINT IMAGES... [--topk 3] [--out preds.json]
import argparse

from cue_plugin.apis import classify_images
from cue_plugin.utils.checkpoint import check_checkpoint
from cue_plugin.utils.fileio import atomic_write_json


def main():
    p = argparse.ArgumentParser(description='Classify images')
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('images', nargs='+', help='image files or folders')
    p.add_argument('--topk', type=int, default=1)
    p.add_argument('--batch-size', type=int, default=32)
    p.add_argument('--device', default=None)
    p.add_argument('--out', help='write predictions as JSON')
    args = p.parse_args()
    check_checkpoint(args.checkpoint, 'checkpoint')
    preds = classify_images(args.config, args.checkpoint, args.images, args.topk,
                            args.batch_size, args.device)
    for r in preds:
        print(f"{r['image']}\t" + ', '.join(f"{c} ({s:.3f})" for c, s in
                                             zip(r['classes'], r['scores'])))
    if args.out:
        atomic_write_json(args.out, preds)


if __name__ == '__main__':
    main()
