# Long-tail baseline on LIFT's model: LDAM (margins ~ n^-1/4, max 0.5, scale 30) on cosine
# logits, so the head's own scale is 1.
_base_ = ['../lift/clip_b16_cifar100lt.py']
model = dict(head=dict(scale=1.0, loss=dict(_delete_=True, type='LDAMLoss', max_m=0.5,
                                            s=30.0)))
