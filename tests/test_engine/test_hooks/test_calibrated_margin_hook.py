"""CalibratedMarginHook: M at an epoch start recomputed independently (tiny random CLIP,
tiny EuroSAT stand-in)."""
import torch
import torch.nn.functional as F

from cap_runs import CONFIGS, build_runner, images_of, tiny_options
from cue_plugin.cap import calibrated_margin, similarity_matrix


def test_margin_set_at_epoch_start_recomputed_independently(eurosat, tiny_clip_ckpt,
                                                            tmp_path, monkeypatch):
    """TRZSL (seen classes r = 1): M at the start of epoch 1 equals calibrated_margin of
    S = max(T T^T, V V^T) with T the model's current prompted text features (no adapter)
    and V the per-class means of the current main-path image features of the main set
    (seen classes: their first N_MAIN labelled images), and of sigma = the confident
    weak-view predictions counted in epoch 0; zero in epoch 0. The same epoch start is
    then replayed with form='paper'."""
    from mmengine.hooks import Hook

    import cue_plugin.models.classifiers.cap_classifier as cap_module
    from cue_plugin.engine.hooks import CalibratedMarginHook
    recorded = []  # per epoch: the weak-view (mask, yhat) of every iteration
    real_mask = cap_module.fixmatch_mask

    def spy_mask(logits, tau):
        mask, yhat, conf = real_mask(logits, tau)
        recorded[-1].append((mask.clone(), yhat.clone()))
        return mask, yhat, conf

    monkeypatch.setattr(cap_module, 'fixmatch_mask', spy_mask)
    seen = {}

    class Spy(Hook):
        priority = 'LOW'  # after CalibratedMarginHook

        @torch.no_grad()
        def before_train_epoch(self, runner):
            model, ds = runner.model, runner.train_dataloader.dataset
            entry = dict(margin=model.margin_loss.margin.clone(), main=ds.main_set)
            if runner.epoch == 1:  # the model as the margin hook saw it
                was = model.training
                model.eval()
                index = [int(ds.unlabelled[j]) for k in sorted(entry['main'])
                         for _, j in entry['main'][k]]
                labels = [k for k in sorted(entry['main']) for _ in entry['main'][k]]
                taken = {}
                for i in ds.labelled.tolist():  # seen classes: first 16 labelled images
                    y = int(ds.labels[i])
                    if taken.get(y, 0) < 16:
                        taken[y] = taken.get(y, 0) + 1
                        index.append(i)
                        labels.append(y)
                v = model.maple.encode_image(images_of(ds, index))
                v = F.normalize(model.main_adapter(v), dim=-1)
                entry['text'] = model.maple.encode_text(model.classnames)
                entry['v'], entry['labels'] = v, torch.tensor(labels)
                model.train(was)
            seen[runner.epoch] = entry
            recorded.append([])

    opts = tiny_options(eurosat['root'], tiny_clip_ckpt, epochs=2)
    runner = build_runner(CONFIGS['TRZSL'], opts, tmp_path, **{'model.tau': 0.3})
    runner.register_hook(Spy())
    runner.train()
    ds = runner.train_dataloader.dataset
    c = 5
    assert torch.equal(seen[0]['margin'], torch.zeros(c, c))
    sigma = torch.zeros(c)
    for mask, yhat in recorded[0]:
        sigma += torch.bincount(yhat[mask > 0], minlength=c).float()
    e = seen[1]
    means = torch.stack([e['v'][e['labels'] == k].mean(0) if (e['labels'] == k).any()
                         else torch.zeros(e['v'].size(1)) for k in range(c)])
    has = torch.tensor([(e['labels'] == k).any() for k in range(c)])
    seen_mask = torch.zeros(c, dtype=torch.bool)
    seen_mask[torch.as_tensor(ds.seen_classes)] = True
    assert has[seen_mask].all()  # seen classes' boards from their labelled images
    s_matrix = similarity_matrix(e['text'], means, has)
    expected = calibrated_margin(s_matrix, sigma, 12.0, 'code', seen=seen_mask)
    assert torch.allclose(e['margin'], expected, atol=1e-4)
    assert e['margin'][seen_mask].abs().sum() == 0  # r = 1: no margin
    assert e['margin'].abs().sum() > 0  # not vacuous
    hook = next(h for h in runner.hooks if type(h).__name__ == 'CalibratedMarginHook')
    assert [h['epoch'] for h in hook.history] == [0, 1]
    assert torch.equal(torch.tensor(hook.history[1]['sigma']), sigma)
    # The paper's form at the same epoch start, with counts whose ratios lie strictly
    # between 0 and 1, where the two forms differ (the model has moved on since: the
    # features are recomputed by the hook, so compare against the hook's own S).
    paper = CalibratedMarginHook(m=12.0, form='paper')
    paper._sigma = torch.tensor([8.0, 2.0, 5.0, 3.0, 6.0])
    runner.train_loop._epoch = 1
    paper.before_train_epoch(runner)
    s_now = paper.last['similarity']
    assert torch.allclose(runner.model.margin_loss.margin,
                          calibrated_margin(s_now, paper._sigma, 12.0, 'paper',
                                            seen=seen_mask), atol=1e-5)
    assert not torch.allclose(runner.model.margin_loss.margin, calibrated_margin(
        s_now, paper._sigma, 12.0, 'code', seen=seen_mask), atol=1e-3)
