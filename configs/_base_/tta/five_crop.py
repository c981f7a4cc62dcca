# LIFT's five-crop test-time ensemble (tools/test.py --tta): Resize(224 + 24), the five
# 224 crops of torchvision's FiveCrop, logits averaged (AverageLogitsTTA).
tta_model = dict(type='AverageLogitsTTA')
tta_resize = dict(type='ResizeEdge', scale=224 + 24, edge='short', backend='pillow',
                  interpolation='bilinear')
five_crop = dict(
    type='TestTimeAug',
    transforms=[[dict(type='CropAt', crop_size=224, position=p)
                 for p in ('center', 'top_left', 'top_right', 'bottom_left', 'bottom_right')],
                [dict(type='PackInputs')]])
