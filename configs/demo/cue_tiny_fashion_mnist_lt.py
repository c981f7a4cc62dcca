# The embedded default (`make demo`): CUE on Fashion-MNIST-LT IR100 (500 -> 5 images per
# class, like CIFAR-100-LT) with a tiny CLIP-architecture ViT (28 px, patch 4, 4 layers,
# width 128) that trains on 2 CPU cores in a few minutes.
# Objective: LA + 0.5 * BLA(class cue), the class cue from the built-in Fashion-MNIST
# taxonomy (tops / footwear / bags / bottoms), so no LLM is needed.
# NO PRETRAINED WEIGHTS: nothing can be downloaded here, so the CLIP model is randomly
# initialised and, since frozen random features carry little, fully fine-tuned beside the
# AdaptFormer adapters. For the same reason the instance cue is off: a random-init
# zero-shot teacher would only add random targets. Figures from this demo say nothing
# about the papers' numbers.
_base_ = ['./lift_tiny_fashion_mnist_lt.py']
model = dict(
    type='CUEImageClassifier',
    instance_cue=None,
    head=dict(type='CUEClsHead', class_cue=dict(taxonomy='fashion_mnist'), lambda_llm=0.5,
              lambda_vlm=0.0))
