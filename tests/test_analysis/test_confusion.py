import numpy as np
import pytest

from cue_plugin.analysis import confusion_report, plot_confusion_report


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
