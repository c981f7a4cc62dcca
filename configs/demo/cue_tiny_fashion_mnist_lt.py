# The embedded default (`make demo`): CUE in miniature on real images, on top of
# lift_tiny_fashion_mnist_lt.py (pretrained tiny CLIP, frozen, AdaptFormer, text-initialised
# cosine head): LA + 0.5 BLA(class cue) + 0.5 BLA(instance cue).
# - class cue: the built-in Fashion-MNIST taxonomy (tops / footwear / bags / bottoms), so
#   no LLM is needed;
# - instance cue: online, from the frozen tiny CLIP's zero-shot predictions on the same
#   batch ("a photo of a {name}."), the true class masked; k = 1: CUE's top-5 of 100+
#   classes is 5% of them, top-1 of 10 keeps that share (top-5 of 10 would mark half).
# The miniature says nothing about the papers' numbers.
_base_ = ['./lift_tiny_fashion_mnist_lt.py']
model = dict(
    type='CUEImageClassifier',
    instance_cue=dict(mode='online', k=1),
    head=dict(type='CUEClsHead', class_cue=dict(taxonomy='fashion_mnist'), lambda_class=0.5,
              lambda_instance=0.5))
