# LIFT's full fine-tuning baseline on Places-LT (LIFT scripts/run_tab6_peft_methods.sh:16):
# every transformer block of the image tower trained, lr 1e-3, "best lr for full
# fine-tuning (searched from fig. 10)"; reported with the five-crop TTE (tools/test.py --tta).
_base_ = ['../lift/clip_b16_placeslt.py']
model = dict(backbone=dict(peft=dict(_delete_=True, type='FullFineTuning')))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
