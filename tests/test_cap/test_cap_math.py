"""CAP's formulas (docs/methods.md §3) against independent computations."""
import math

import pytest
import torch
import torch.nn.functional as F

from cue_plugin.cap import (calibrated_margin, confident_lists, description_top_k,
                            detect_mismatch, fixmatch_mask, growth_k, leaderboard_walk, refill,
                            select_top_k_per_class, similarity_matrix)
from cue_plugin.models.losses import CalibratedMarginLoss
from cap_reference import reference_k, reference_lists, reference_update, reference_walk


def test_margin_matrix_both_forms_by_hand():
    torch.manual_seed(0)
    text = torch.randn(4, 8)
    means = torch.randn(4, 8)
    has = torch.tensor([1, 1, 0, 1])
    s = similarity_matrix(text, means, has)
    t = F.normalize(text, dim=-1).tolist()
    v = [F.normalize(means[i], dim=0).tolist() if has[i] else t[i] for i in range(4)]
    dot = lambda a, b: sum(x * y for x, y in zip(a, b))  # noqa: E731
    for i in range(4):
        row = [max(dot(t[i], t[j]), dot(v[i], v[j])) for j in range(4)]
        lo, hi = min(row), max(row)
        expected = [lo + (x - lo) * (1 - lo) / (hi - lo) for x in row]
        assert s[i].tolist() == pytest.approx(expected, abs=1e-5)
        assert max(s[i].tolist()) == pytest.approx(1.0, abs=1e-6)

    sigma = torch.tensor([40.0, 10.0, 0.0, 20.0])
    r = [x / 40 for x in sigma.tolist()]
    m = 12.0
    code = calibrated_margin(s, sigma, m, 'code')
    paper = calibrated_margin(s, sigma, m, 'paper')
    dmax = max(1 - x for x in r)
    for y in range(4):
        for j in range(4):
            e_code = 0 if y == j else (1 - r[y]) / (1 + r[y]) * (max(r) - min(r)) * m * s[y, j]
            e_paper = 0 if y == j else m * dmax * (1 - r[y]) * s[y, j]
            assert code[y, j].item() == pytest.approx(float(e_code), abs=1e-5)
            assert paper[y, j].item() == pytest.approx(float(e_paper), abs=1e-5)
    seen = torch.tensor([0, 1, 1, 0])
    trzsl = calibrated_margin(s, sigma, m, 'code', seen=seen)
    assert trzsl[1].abs().sum() == 0 and trzsl[2].abs().sum() == 0  # r = 1 -> no margin


def test_calibrated_margin_loss_by_hand():
    z = torch.tensor([[2.0, 1.0, 0.0], [0.5, 0.5, 3.0]])
    y = torch.tensor([0, 2])
    margin = torch.tensor([[0.0, 1.0, 2.0], [3.0, 0.0, 1.0], [0.5, 0.25, 0.0]])
    loss = CalibratedMarginLoss()
    assert torch.allclose(loss(z, y), F.cross_entropy(z, y))  # no margin yet
    loss.set_margin(margin)

    def ce(row, t):
        return math.log(sum(math.exp(v) for v in row)) - row[t]
    expected = (ce([2.0, 2.0, 2.0], 0) + ce([1.0, 0.75, 3.0], 2)) / 2
    assert loss(z, y).item() == pytest.approx(expected, rel=1e-6)
    # FixMatch mask as weights, averaged over the confident samples only.
    w = torch.tensor([1.0, 0.0])
    assert loss(z, y, weight=w, avg_factor=1.0).item() == pytest.approx(
        ce([2.0, 2.0, 2.0], 0), rel=1e-6)


def test_growth_schedule_as_the_reference():
    for n_u, c, n_main, ratio in ((5000, 10, 16, 0.8), (4437, 100, 16, 0.6),
                                  (2040, 102, 6, 0.8), (10**7, 10, 16, 0.8), (50, 10, 16, 0.8)):
        for e in (0, 5, 10, 30, 35, 40, 45):
            assert growth_k(e, n_u, c, n_main, ratio) == reference_k(e, n_u, c, n_main, ratio)
    assert growth_k(0, 5000, 10) == 16 and growth_k(35, 5000, 10) == 400
    assert growth_k(5, 5000, 10) == 16 + int(384 * 5 / 35)


def test_leaderboard_walk_as_the_reference():
    import numpy as np
    # By hand, k = 1: image 1 loses class 0 to image 0 and, the loop having no break,
    # enters both other (empty) boards; image 2 then beats it on class 2.
    probs = np.array([[0.7, 0.2, 0.1], [0.6, 0.3, 0.1], [0.1, 0.2, 0.7],
                      [0.8, 0.15, 0.05]], dtype=np.float32)
    out = leaderboard_walk(probs, 1)
    assert {c: [j for _, j in v] for c, v in out.items()} == {0: [3], 1: [1], 2: [2]}
    # Offered images are appended unsorted, and the next comparison is with the last
    # entry, not the weakest (k = 2): 0.25 beats 0.2 but not the last-appended 0.3.
    probs = np.array([[0.9, 0.05, 0.05], [0.95, 0.03, 0.02], [0.7, 0.2, 0.1],
                      [0.6, 0.3, 0.1], [0.65, 0.25, 0.1]], dtype=np.float32)
    out = leaderboard_walk(probs, 2)
    assert [j for _, j in out[1]] == [2, 3]  # image 4 (0.25) is not let in
    # Random probabilities, TRZSL-style boards for some classes only.
    rs = np.random.RandomState(0)
    for keys in (None, [1, 3, 4]):
        logits = rs.randn(300, 6).astype(np.float32) * 2
        probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
        k = 7
        expected = reference_walk(probs, k, keys if keys is not None else range(6))
        got = leaderboard_walk(probs, k, keys)
        assert got == expected
        assert all(len(v) <= k for v in got.values())


def test_description_board_top_k():
    sim = [0.1, 0.9, 0.5, 0.7]
    assert [j for _, j in description_top_k(sim, 2)] == [1, 3]
    assert [j for _, j in description_top_k(sim, 9)] == [1, 3, 2, 0]


def test_refill_as_the_reference():
    # methods/cacm.py:206-242 + methods/training.py:330-344 (tests/test_cap/cap_reference.py)
    import numpy as np
    rs = np.random.RandomState(1)
    keys = [0, 1, 2, 3]
    main = {c: [(0.99, 10 * c + i) for i in range(3)] for c in keys}
    preds = [(int(rs.randint(5)), float(rs.rand()), int(rs.randint(60)))
             for _ in range(200)]
    main_paths = [j for v in main.values() for _, j in v]
    expected_lists = reference_lists(preds, main_paths, keys)
    c, s, j = zip(*preds)
    got = confident_lists(c, s, j, main, keys)
    assert got == expected_lists
    images = [j for v in got.values() for _, j in v]
    assert len(images) == len(set(images))  # each image to one class
    assert not set(images) & set(main_paths)
    for k in (2, 5, 40):
        assert refill(got, main, k, keys) == reference_update(expected_lists, main, k, keys)


def test_fixmatch_mask_and_fpl_selection():
    logits = torch.tensor([[5.0, 0.0], [0.1, 0.0], [0.0, 4.0]])
    mask, yhat, conf = fixmatch_mask(logits, tau=0.85)
    assert mask.tolist() == [1.0, 0.0, 1.0] and yhat.tolist() == [0, 0, 1]
    assert torch.allclose(conf, logits.softmax(-1).max(-1).values)
    probs = torch.tensor([[0.9, 0.1], [0.8, 0.2], [0.6, 0.4], [0.3, 0.7]])
    assert select_top_k_per_class(probs, 2).tolist() == [0, 0, -1, 1]


def test_warmup_cosine_schedule_as_the_reference():
    # CAP utils/schedulers.py:36-65 (WarmupCosineSchedule, warm-up 50, total 2500) as a
    # torch LambdaLR, against ours through mmengine, iteration by iteration.
    import cue_plugin  # noqa: F401
    from mmpretrain.registry import PARAM_SCHEDULERS

    def lam(step, warmup=50, total=2500):
        if step < warmup:
            return float(step) / float(max(1.0, warmup))
        progress = float(step - warmup) / float(max(1, total - warmup))
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress)))

    p1, p2 = torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))
    ref_opt = torch.optim.SGD([p1], lr=0.01)
    ref = torch.optim.lr_scheduler.LambdaLR(ref_opt, lam)
    opt = torch.optim.SGD([p2], lr=0.01)
    ours = PARAM_SCHEDULERS.get('WarmupCosineLR').build_iter_from_epoch(
        opt, warmup=1, begin=0, end=50, by_epoch=True, epoch_length=50)
    for step in range(2500):
        assert opt.param_groups[0]['lr'] == pytest.approx(ref_opt.param_groups[0]['lr'],
                                                          abs=1e-12), step
        ref_opt.step(), opt.step()
        ref.step(), ours.step()
    with pytest.raises(ValueError, match='finite end'):
        PARAM_SCHEDULERS.get('WarmupCosineLR')(opt, warmup=1)


@pytest.mark.parametrize('seed', range(8))
def test_mismatch_detection_finds_the_planted_class(seed):
    # CLIP-like geometry: a shared modality gap (orthogonal to every concept) dominates,
    # class cosines differ by a few hundredths, so 100x logits do not saturate. The
    # planted class's images show a concept no class name describes.
    torch.manual_seed(seed)
    c, per, d = 10, 60, 32
    planted = seed % c
    text = F.normalize(torch.randn(c, d), dim=-1)
    q = torch.linalg.qr(text.t()).Q
    e = torch.randn(d)
    elsewhere = F.normalize(e - q @ (q.t() @ e), dim=0)
    basis = torch.linalg.qr(torch.cat([text, elsewhere[None]]).t()).Q
    g = torch.randn(d)
    gap = F.normalize(g - basis @ (basis.t() @ g), dim=0)
    x = torch.cat([
        F.normalize(0.04 * (elsewhere if k == planted else text[k]) + gap +
                    0.003 * torch.randn(per, d), dim=-1) for k in range(c)])
    assert detect_mismatch(x, text)['mismatch'] == [planted]


@pytest.mark.parametrize('paradigm', ['UL', 'SSL', 'TRZSL'])
def test_paradigm_splits(paradigm):
    import numpy as np

    from cue_plugin.cap import split_paradigm
    labels = np.repeat(np.arange(13), 7)
    out = split_paradigm(labels, 13, paradigm)
    assert len(np.intersect1d(out['labelled'], out['unlabelled'])) == 0
    assert len(out['labelled']) + len(out['unlabelled']) == len(labels)
    if paradigm == 'UL':
        assert len(out['labelled']) == 0
    elif paradigm == 'SSL':
        assert np.bincount(labels[out['labelled']], minlength=13).tolist() == [2] * 13
    else:
        assert len(out['seen_classes']) == 8  # int(0.62 * 13)
        assert set(labels[out['labelled']]) == set(out['seen_classes'])
        assert not set(labels[out['unlabelled']]) & set(out['seen_classes'])
        again = split_paradigm(labels, 13, paradigm)
        assert again['seen_classes'].tolist() == out['seen_classes'].tolist()


def test_maple_prompts_on_a_tiny_clip():
    import open_clip

    from cue_plugin.models.cap import MaPLe, ResidualAdapter
    from cue_plugin.models.clip import build_open_clip
    torch.manual_seed(0)
    clip, tok, _ = build_open_clip('CUE-Tiny-ViT-28')  # 2 text layers: one deep prompt
    clip.requires_grad_(False)
    reference = open_clip.create_model('CUE-Tiny-ViT-28')
    reference.load_state_dict(clip.state_dict())
    reference.eval()
    maple = MaPLe(clip, tok, n_ctx=2, depth=2)
    clip.eval()
    names, x = ['cat', 'pickup_truck'], torch.randn(2, 3, 28, 28)
    # Context initialised from "a photo": layer-0 text prompts equal the plain prompt's.
    with torch.no_grad():
        emb = clip.token_embedding(tok(['a photo of a']))[0, 1:3]
    assert torch.equal(maple.ctx.data, emb)
    # Prompts switched off: exactly frozen CLIP (the zero-shot pseudolabeller).
    with torch.no_grad(), maple.zero_shot():
        t = maple.encode_text(names)
        v = maple.encode_image(x)
        t_ref = F.normalize(reference.encode_text(tok(['a photo of a cat.',
                                                       'a photo of a pickup truck.'])), dim=-1)
        v_ref = F.normalize(reference.encode_image(x), dim=-1)
    assert torch.allclose(t, t_ref, atol=1e-5) and torch.allclose(v, v_ref, atol=1e-5)
    # Prompted: 100 cos logits; gradients reach only prompts and couplings.
    logits = 100 * maple.encode_image(x) @ maple.encode_text(names).t()
    logits.logsumexp(-1).sum().backward()
    assert maple.ctx.grad is not None and maple.deep_text[0].grad is not None
    assert maple.couplings[0].weight.grad is not None
    assert all(p.grad is None for p in clip.parameters())
    with pytest.raises(ValueError, match='depth must be in 1..2'):
        MaPLe(build_open_clip('CUE-Tiny-ViT-28')[0], tok, depth=3)
    adapter = ResidualAdapter(32, 8)
    y = torch.randn(3, 32)
    assert torch.allclose(adapter(y), y + 0.01 * adapter.net(y))


def test_cap_loss_by_hand():
    from cue_plugin.models import CAPClassifier
    torch.manual_seed(0)
    model = CAPClassifier(clip=dict(arch='CUE-Tiny-ViT-28'), classnames=['cat', 'dog', 'car'],
                          depth=2, tau=0.3)
    model.eval()
    margin = torch.tensor([[0.0, 1.0, 2.0], [0.5, 0.0, 0.5], [2.0, 1.0, 0.0]])
    model.margin_loss.set_margin(margin)
    xl, yl = torch.randn(2, 3, 28, 28), torch.tensor([0, 2])
    xp, yp = torch.randn(3, 3, 28, 28), torch.tensor([1, 1, 0])
    xw, xs = torch.randn(4, 3, 28, 28), torch.randn(4, 3, 28, 28)
    samples = dict(labelled_label=yl, pseudo_label=yp, epoch=torch.full((4, ), 3),
                   unlabelled_index=torch.tensor([7, 8, 9, 10]))
    with torch.no_grad():
        out = model.loss(dict(labelled=xl, pseudo=xp, weak=xw, strong=xs), samples)

        def ce_m(z, y):  # CE(z + M[y] * (1 - onehot(y)), y), written out
            adj = z + margin[y] * (1 - F.one_hot(y, 3).float())
            return -(adj.log_softmax(-1).gather(1, y[:, None])).squeeze(1)

        assert out['loss_labelled'] == pytest.approx(ce_m(model.logits(xl), yl).mean().item(),
                                                     rel=1e-5)
        assert out['loss_pseudo'] == pytest.approx(ce_m(model.logits(xp), yp).mean().item(),
                                                   rel=1e-5)
        p = model.logits(xw).softmax(-1)
        conf, yhat = p.max(-1)
        keep = conf > 0.3
        assert keep.any()
        expected = ce_m(model.logits(xs, 'pseudo'), yhat)[keep].sum() / keep.sum()
        assert out['loss_fixmatch'] == pytest.approx(expected.item(), rel=1e-5)
        # Adapters bypassed at inference, as the reference.
        assert torch.allclose(model.inference_logits(xl), model.logits(xl, None))
    # The confident weak-view predictions are recorded under the batch's epoch.
    c, s, j = model.confident_predictions(3)
    assert c.tolist() == yhat[keep].tolist() and j.tolist() == [7, 8, 9, 10][:0] + \
        torch.tensor([7, 8, 9, 10])[keep].tolist()
    assert torch.allclose(s, conf[keep])
    assert model.confident_counts(3).tolist() == torch.bincount(yhat[keep],
                                                                minlength=3).float().tolist()
    assert len(model.confident_predictions(2)[0]) == 0


def test_mismatch_detection_with_fewer_images_than_classes():
    torch.manual_seed(0)
    out = detect_mismatch(torch.randn(5, 8), torch.randn(10, 8))
    assert out['stopped_early'] and out['matched'] == [] and out['remaining'] == list(range(10))
    assert out['mismatch'] == out['fewest'] and len(out['fewest']) == 1  # ceil(10 / 10)
