# CUE on imagenet_lt (published All/Few without TTE: 77.4/73.0): LA + 0.5 BLA(class cue: the
# CUE authors' LLM graph) + 0.5 BLA(instance cue, online zero-shot teacher; the random
# crops rule out an exact cache).
_base_ = ['../lift/clip_b16_imagenetlt.py']
model = dict(
    type='CUEImageClassifier',
    instance_cue=dict(mode='online', k=5, template='a photo of a {}.', logit_scale=100.0),
    head=dict(type='CUEClsHead', class_cue='imagenet.json', lambda_class=0.5, lambda_instance=0.5,
              bla_loss=dict(type='BinaryLogitAdjustedLoss', tau_b=1.0)))
