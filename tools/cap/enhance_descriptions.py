# CAP's description enhancement: for each mismatch class, n LLM descriptions (or ones you
# give), keep the one whose CLIP text feature is nearest the class's image centre.
#   python tools/cap/enhance_descriptions.py CONFIG mismatch.json --out descriptions.json \
#       --model M [--base-url URL] [--n 5]  |  --given my_descriptions.json (offline)
import argparse

import torch
from mmengine.config import DictAction

import cue_plugin  # noqa: F401
from cue_plugin.apis.cap_concepts import ask_descriptions, choose_description
from cue_plugin.apis.class_cues import frozen_clip_from_config
from cue_plugin.apis.cli import load_config
from cue_plugin.llm import ChatJSONClient, LLMError
from cue_plugin.utils.fileio import atomic_write_json, read_json


def main():
    p = argparse.ArgumentParser(description='Enhance mismatch-class prompts')
    p.add_argument('config')
    p.add_argument('mismatch', help='output of tools/cap/detect_mismatch.py')
    p.add_argument('--out', required=True)
    p.add_argument('--given', help='JSON {class name: [descriptions]} instead of an LLM')
    p.add_argument('--model', default='gpt-4o-mini')
    p.add_argument('--base-url')
    p.add_argument('--api-key')
    p.add_argument('--n', type=int, default=5)
    p.add_argument('--backoff', type=float, default=1.0)
    p.add_argument('--timeout', type=float, default=60.0,
                   help='seconds to wait for each LLM answer (default 60)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = p.parse_args()
    cfg = load_config(args.config, args.cfg_options)
    mismatch = read_json(args.mismatch, 'mismatch file')
    backbone = frozen_clip_from_config(cfg)
    given = read_json(args.given, 'descriptions file') if args.given else None
    client = None
    if given is None:
        try:
            client = ChatJSONClient(args.model, args.base_url, args.api_key,
                                    backoff=args.backoff, timeout=args.timeout)
        except LLMError as e:
            raise SystemExit(f'enhance_descriptions: {e}')
    out = {}
    for m in mismatch['mismatch']:
        if given is not None:
            if m['name'] not in given:
                raise SystemExit(f"{args.given} has no descriptions for {m['name']!r}.")
            candidates = given[m['name']]
        else:
            try:
                candidates = ask_descriptions(client, m['name'], args.n)
            except LLMError as e:
                raise SystemExit(f'enhance_descriptions: {e}')
        out[m['name']] = dict(index=m['index'], **choose_description(
            candidates, torch.tensor(m['centre']),
            lambda d: backbone.encode_class_names(d, '{}')))
        print(f"{m['name']}: {out[m['name']]['description']}")
    atomic_write_json(args.out, dict(descriptions=out, source=dict(
        kind='given' if given is not None else 'llm', model=None if given else args.model)))


if __name__ == '__main__':
    main()
