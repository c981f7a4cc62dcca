# LIFT's full fine-tuning baseline on ImageNet-LT (LIFT scripts/run_tab6_peft_methods.sh:5):
# every transformer block of the image tower trained (not the embeddings, ln_pre, ln_post
# or projection), lr 5e-4, "best lr for full fine-tuning (searched from fig. 10)"; LIFT
# reports it with the five-crop TTE (tools/test.py --tta).
_base_ = ['../lift/clip_b16_imagenetlt.py']
model = dict(backbone=dict(peft=dict(_delete_=True, type='FullFineTuning')))
optim_wrapper = dict(optimizer=dict(lr=5e-4))
