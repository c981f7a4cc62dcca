"""PseudolabelHook against the reference's rules re-derived in the tests (tiny random
CLIP, tiny EuroSAT stand-in)."""
import numpy as np
import pytest
import torch

from cap_reference import (reference_k, reference_lists, reference_update, reference_walk,
                           same_entries)
from cap_runs import CONFIGS, build_runner, reference_zero_shot, tiny_options


def test_main_set_initial_walk_and_refills(eurosat, tiny_clip_ckpt, tmp_path):
    """Before training: the reference's leaderboard walk over independently computed
    zero-shot probabilities. After epochs 0 and 5 (not 1): the refill from the epoch's
    recorded confident predictions, re-derived with the reference's rules."""
    runner = build_runner(CONFIGS['UL'], tiny_options(eurosat['root'], tiny_clip_ckpt),
                          tmp_path)
    model, ds = runner.model, runner.train_dataloader.dataset
    model.set_classnames(eurosat['classes'])
    hook = next(h for h in runner.hooks if type(h).__name__ == 'PseudolabelHook')
    hook.progress = False
    n_u, c = len(ds.unlabelled), 5
    img, text, _, _ = reference_zero_shot(tiny_clip_ckpt, ds, eurosat['classes'])
    probs = (100 * img @ text.t()).softmax(-1).numpy()
    hook.before_train(runner)
    assert same_entries(ds.main_set, reference_walk(probs, 16, range(c)))
    assert hook.history[0]['k'] == 16 and hook.history[0]['epoch'] == 0
    rs = np.random.RandomState(0)
    for epoch in (0, 1, 5):
        n = 40
        cls, conf, idx = rs.randint(0, c, n), rs.rand(n).astype(np.float32), \
            rs.randint(0, n_u, n)
        model._record(epoch, torch.as_tensor(cls), torch.as_tensor(conf),
                      torch.as_tensor(idx))
        runner.train_loop._epoch = epoch
        before = ds.main_set
        hook.after_train_epoch(runner)
        if epoch % 5:
            assert ds.main_set == before
            continue
        k = reference_k(epoch, n_u, c, epochs=runner.max_epochs)
        main_paths = [j for v in before.values() for _, j in v]
        new = reference_lists(list(zip(cls.tolist(), conf.tolist(), idx.tolist())),
                              main_paths, range(c))
        assert same_entries(ds.main_set, reference_update(new, before, k, range(c)))
        assert hook.history[-1]['epoch'] == epoch and hook.history[-1]['k'] == k
    assert [h['epoch'] for h in hook.history] == [0, 0, 5]


def test_descriptions_file_and_hook_errors(eurosat, tmp_path):
    import json

    from cue_plugin.cap.descriptions import read_descriptions
    from cue_plugin.engine.hooks import PseudolabelHook
    path = tmp_path / 'desc.json'
    path.write_text(json.dumps({'descriptions': {'forest': {
        'index': 1, 'description': 'dense green canopy seen from above',
        'candidates': []}}}))
    assert read_descriptions(str(path), eurosat['classes']) == {
        1: 'dense green canopy seen from above'}
    hook = PseudolabelHook(descriptions=str(path))
    assert hook.prompts(eurosat['classes'])[0] == 'a photo of a annual crop land.'
    from cue_plugin.engine.hooks.pseudolabel_hook import REFERENCE_LITERAL_PROMPT
    literal = PseudolabelHook(prompt=REFERENCE_LITERAL_PROMPT)
    assert literal.prompts(['sea_lake'])[0] == 'a photo of a {}sea lake'
    path.write_text(json.dumps({'descriptions': {'forest': {'index': 0,
                                                            'description': 'x'}}}))
    with pytest.raises(ValueError, match=r"descriptions\['forest'\].index = 0 is class"):
        read_descriptions(str(path), eurosat['classes'])
    with pytest.raises(ValueError, match='PseudolabelHook.period'):
        PseudolabelHook(period=0)
    with pytest.raises(ValueError, match="initial must be 'leaderboard' or 'top_k'"):
        PseudolabelHook(initial='fpl')
    with pytest.raises(ValueError, match="refill must be 'confident', 'pass' or None"):
        PseudolabelHook(refill='always')
