# Build CUE's class cue: a class-neighbour graph in cue_plugin's indexed format, from an
# LLM (the default source), a taxonomy or nearest neighbours in CLIP text space.
#   LLM:      python tools/cue/build_class_cues.py CONFIG --out cues.json --model M [--base-url URL]
#             [--shortlist 50]   (only the 50 nearest classes in CLIP text space per prompt)
#   offline:  --source taxonomy --taxonomy cifar100 | --parent-map F | --categories F --parent-field genus
#             --source text-knn --k 4
import argparse
import sys

from mmengine.config import DictAction

import cue_plugin  # noqa: F401
from cue_plugin.apis import class_cues as src
from cue_plugin.apis.cli import load_config
from cue_plugin.apis.llm_class_cue import build_llm_neighbours
from cue_plugin.cues import builtin_taxonomy, save_class_cue, taxonomy_neighbours
from cue_plugin.cues.text_knn import text_knn_neighbours
from cue_plugin.llm import ChatJSONClient, LLMError


def parse_args():
    p = argparse.ArgumentParser(description='Build a class-neighbour graph (class cue)')
    p.add_argument('config', nargs='?', help='training config (class names, CLIP)')
    p.add_argument('--classes', help='class-name file, one per line (instead of a config)')
    p.add_argument('--out', required=True, help='output JSON (written atomically)')
    p.add_argument('--source', choices=['llm', 'taxonomy', 'text-knn'], default='llm',
                   help='where the class cue comes from (default: llm)')
    g = p.add_argument_group('llm')
    g.add_argument('--model', default='gpt-4o-mini')
    g.add_argument('--base-url', help='OpenAI-compatible endpoint, e.g. http://host:8000/v1')
    g.add_argument('--api-key', help='defaults to $OPENAI_API_KEY')
    g.add_argument('--batch-size', type=int, default=10, help='classes per request')
    g.add_argument('--shortlist', type=int, help='send each batch only the N nearest '
                   'classes in CLIP text space instead of the whole list')
    g.add_argument('--cache-dir', help='per-batch answers (default: OUT.cache/); a rerun '
                   'resumes from it')
    g.add_argument('--max-attempts', type=int, default=6, help='tries per request')
    g.add_argument('--backoff', type=float, default=1.0,
                   help='first wait between tries in seconds, doubled each retry')
    g.add_argument('--timeout', type=float, default=60.0,
                   help='seconds to wait for each answer (default 60); an endpoint that '
                   'never answers fails after MAX_ATTEMPTS times this')
    g = p.add_argument_group('taxonomy / text-knn')
    g.add_argument('--taxonomy', help='built-in taxonomy (cifar100, fashion_mnist)')
    g.add_argument('--parent-map', help='JSON {class: parent}')
    g.add_argument('--categories', help="iNaturalist categories.json")
    g.add_argument('--parent-field', default='genus')
    g.add_argument('--k', type=int, default=4, help='text-knn neighbours per class')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    return p.parse_args()


def main():
    args = parse_args()
    cfg = None
    if args.config:
        cfg = load_config(args.config, args.cfg_options)
    if args.classes:
        classes = src.classes_from_file(args.classes)
    elif cfg is not None:
        classes = src.classes_from_config(cfg)
    else:
        raise SystemExit('Give a CONFIG or --classes FILE.')

    def text_features():
        if cfg is None:
            raise SystemExit(f'--source {args.source} / --shortlist need a CONFIG (its CLIP).')
        return src.text_features_from_config(cfg, classes)

    source = dict(kind=args.source)
    if args.source == 'taxonomy':
        if args.taxonomy:
            parents, source['taxonomy'] = builtin_taxonomy(args.taxonomy), args.taxonomy
        elif args.parent_map:
            parents, source['parent_map'] = src.parent_map_from_file(args.parent_map), \
                args.parent_map
        elif args.categories:
            parents = src.parent_map_from_categories(args.categories, args.parent_field)
            source['parent_field'] = args.parent_field
        else:
            raise SystemExit('--source taxonomy needs --taxonomy, --parent-map or --categories')
        try:
            neighbours = taxonomy_neighbours(classes, parents, strict=False)
        except ValueError as e:  # a parent map of another class list
            raise SystemExit(f'build_class_cues: {e}')
    elif args.source == 'text-knn':
        neighbours = text_knn_neighbours(text_features(), k=args.k)
        source['k'] = args.k
    else:
        feats = text_features() if args.shortlist else None
        cache_dir = args.cache_dir or args.out + '.cache'
        try:
            client = ChatJSONClient(args.model, args.base_url, args.api_key,
                                    max_attempts=args.max_attempts, backoff=args.backoff,
                                    timeout=args.timeout)
            neighbours, stats = build_llm_neighbours(classes, client, args.batch_size,
                                                     args.shortlist, feats, cache_dir)
        except LLMError as e:
            # Expected failures (no key, endpoint down or silent, refusal): one line.
            print(f'build_class_cues: {e}', file=sys.stderr)
            raise SystemExit(1)
        source.update(model=args.model, base_url=args.base_url, batch_size=args.batch_size,
                      shortlist=args.shortlist, **stats)
        u, now = stats['usage'], stats['usage_this_run']
        earlier = '' if u == now else f" over all runs ({now['requests']} in this one)"
        print(f"\nLLM usage: {u['requests']} requests{earlier}, {u['retries']} of them "
              f"retries ({stats['cached_batches']} batches from the cache), "
              f"{u['prompt_tokens']} prompt + {u['completion_tokens']} completion = "
              f"{u['prompt_tokens'] + u['completion_tokens']} tokens; dropped "
              f"{stats['dropped_keys']} keys and {stats['dropped_neighbours']} neighbours "
              'outside the list')
    summary = save_class_cue(args.out, classes, neighbours, source)
    print(f"Wrote {args.out}: {summary['classes']} classes, "
          f"{summary['mean_neighbours']:.2f} neighbours per class, "
          f"{summary['without_neighbours']} classes with none")


if __name__ == '__main__':
    main()
