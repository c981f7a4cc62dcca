# Prepare a checkpoint for release, as OpenMMLab does: keep the weights and the dataset
# meta, drop optimizer / scheduler / message-hub state, append the sha256 prefix.
#   python tools/misc/publish_model.py work_dirs/x/epoch_10.pth cue_clip_b16_cifar100lt.pth
import argparse
import os
import os.path as osp

import torch

from cue_plugin.models.clip import file_sha256
from cue_plugin.utils.checkpoint import check_checkpoint
from cue_plugin.utils.fileio import atomic_write_bytes


def publish(in_file: str, out_file: str) -> str:
    ckpt = torch.load(in_file, map_location='cpu', weights_only=False)
    if 'state_dict' not in ckpt:
        raise ValueError(f"'{in_file}' has no 'state_dict': not an mmengine checkpoint.")
    meta = ckpt.get('meta', {}) or {}
    keep = {k: meta[k] for k in ('dataset_meta', 'mmengine_version', 'epoch', 'iter', 'seed',
                                 'experiment_name') if k in meta}
    import io
    buf = io.BytesIO()
    torch.save(dict(state_dict=ckpt['state_dict'], meta=keep), buf)
    stem = out_file[:-4] if out_file.endswith('.pth') else out_file
    tmp = stem + '.tmp.pth'
    atomic_write_bytes(tmp, buf.getvalue())
    final = f'{stem}-{file_sha256(tmp)[:8]}.pth'
    os.replace(tmp, final)
    return final


def main():
    p = argparse.ArgumentParser(description='Publish a checkpoint')
    p.add_argument('in_file')
    p.add_argument('out_file')
    args = p.parse_args()
    check_checkpoint(args.in_file, 'in_file', keys=('state_dict', ))
    final = publish(args.in_file, args.out_file)
    print(f'{final} ({osp.getsize(final) / 2**20:.2f} MiB)')


if __name__ == '__main__':
    main()
