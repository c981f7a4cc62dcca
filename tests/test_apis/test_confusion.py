import numpy as np
import pytest

from cue_plugin.apis.confusion import confusion_report, plot_confusion_report


def test_confusion_report_by_hand(tmp_path):
    counts = [200, 50, 5]  # many, medium, few
    gt = np.array([0, 0, 1, 1, 2, 2, 2])
    pred = np.array([0, 1, 1, 2, 0, 1, 2])
    zs_pred = np.array([0, 0, 1, 1, 1, 2, 0])
    zs_topk = np.array([[1, 2], [1, 2], [0, 2], [0, 2], [1, 0], [0, 1], [0, 1]])
    cue = np.eye(3, dtype=bool)
    cue[0, 1] = cue[2, 1] = True
    r = confusion_report(pred, gt, zs_pred, zs_topk, counts, cue)
    # Errors: i=1 (0->1), i=3 (1->2), i=4 (2->0), i=5 (2->1).
    assert r['errors'] == 4
    assert r['error_share_in_class_cue'] == pytest.approx(2 / 4)  # 0->1 and 2->1
    assert r['error_share_in_zero_shot_topk'] == pytest.approx(4 / 4)
    # Zero-shot right, model wrong: i=1 (zs 0), i=3 (zs 1), i=5 (zs 2).
    assert r['zero_shot_right_model_wrong_indices'] == [1, 3, 5]
    assert r['accuracy']['few'] == pytest.approx(100 / 3)
    # Few (class 2): errors i=4, i=5; zero-shot got i=5 right.
    assert r['errors_by_group']['few'] == dict(errors=2, into_class_cue=0.5,
                                               into_zero_shot_topk=1.0,
                                               zero_shot_right_model_wrong=1)
    assert r['errors_by_group']['many']['zero_shot_right_model_wrong'] == 1  # i=1
    assert r['errors_by_group']['medium']['zero_shot_right_model_wrong'] == 1  # i=3
    files = plot_confusion_report(r, str(tmp_path))
    assert all(open(f, 'rb').read(8) == b'\x89PNG\r\n\x1a\n' for f in files)


def _report(num_classes, k):
    rng = np.random.default_rng(0)
    counts = [200] * (num_classes // 2) + [5] * (num_classes - num_classes // 2)
    gt = np.repeat(np.arange(num_classes), 4)
    pred = (gt + (rng.random(len(gt)) < 0.5)) % num_classes  # half wrong, into gt + 1
    zs_topk = np.stack([(gt + 1 + j) % num_classes for j in range(k)], 1)
    return confusion_report(pred, gt, gt, zs_topk, counts)


def test_zero_shot_k_scales_with_the_classes():
    from cue_plugin.apis.confusion import zero_shot_k
    assert zero_shot_k(10) == 1  # top-5 of 10 would cover half the classes
    assert zero_shot_k(100) == 5 and zero_shot_k(1000) == 50 and zero_shot_k(3) == 1
    assert _report(10, 1)['zero_shot_k'] == 1  # the report states its k
    assert _report(10, 3)['zero_shot_k'] == 3


@pytest.fixture
def figures(monkeypatch, tmp_path):
    """plot_confusion_report's figures, kept open (not closed after saving) to inspect."""
    import matplotlib.pyplot as plt
    close = plt.close
    kept = []
    monkeypatch.setattr(plt, 'close', kept.append)

    def plot(report, **kw):
        del kept[:]
        plot_confusion_report(report, str(tmp_path), **kw)
        for fig in kept:
            fig.canvas.draw()
        return list(kept)

    yield plot
    monkeypatch.undo()
    close('all')


def test_error_flow_legend_stays_off_the_bars(figures):
    report = _report(10, 1)
    for g in ('many', 'few'):  # full-height bars: a legend inside the axes would cover them
        report['errors_by_group'][g].update(into_class_cue=1.0, into_zero_shot_topk=1.0)
    _, flow = figures(report)
    ax = flow.axes[0]
    legend = ax.get_legend().get_window_extent()
    bars = [p.get_window_extent() for p in ax.patches]
    assert bars and not any(legend.overlaps(b) for b in bars)
    assert 'into zero-shot top-1' in [t.get_text() for t in ax.get_legend().get_texts()]


def test_per_class_plot_labels_groups_and_points(figures):
    names = [f'class {i}' for i in range(10)]
    per_class, _ = figures(_report(10, 1), classes=names)
    texts = [t.get_text() for t in per_class.axes[0].texts]
    assert 'few | medium (20)' in texts and 'medium | many (100)' in texts
    named = {n for t in texts for n in t.split(', ')}
    assert set(names) <= named  # 10 classes: every point is named (shared spots share)
    many = [f'class {i}' for i in range(40)]
    big, _ = figures(_report(40, 2), classes=many)
    assert not set(many) & {t.get_text() for t in big.axes[0].texts}  # too many to name
