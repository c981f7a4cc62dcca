# Five-crop TTE for CIFAR (LIFT's): Resize(248) + FiveCrop(224), logits averaged.
tta_model = dict(type='AverageLogitsTTA')
tta_pipeline = [
    dict(type='ResizeEdge', scale=224 + 24, edge='short', backend='pillow',
         interpolation='bilinear'),
    dict(type='TestTimeAug',
         transforms=[[dict(type='CropAt', crop_size=224, position=p)
                      for p in ('center', 'top_left', 'top_right', 'bottom_left',
                                'bottom_right')],
                     [dict(type='PackInputs')]]),
]
