# CAP's model (docs/methods.md §3): frozen CLIP ViT-B/32 (OpenAI weights) + MaPLe (2 context tokens
# from "a photo of a", depth 8) + text / main-visual / pseudo-visual adapters
# x + 0.01 A(x), A = 512-128-512; logits 100 cos(v, t); adapters bypassed at inference.
# Per-iteration loss: CE_M labelled [SSL/TRZSL] + CE_M pseudolabelled + FixMatch CE_M on
# confident (p > tau) weak-view predictions with the strong view.
model = dict(
    type='CAPClassifier',
    clip=dict(arch='ViT-B-32', pretrained='openai'),
    n_ctx=2,
    ctx_init='a photo of a',
    depth=8,
    adapter_hidden=128,
    tau=0.85,
    keep_adapters_at_test=False,
    data_preprocessor=dict(
        type='CAPDataPreprocessor',
        mean=[0.48145466 * 255, 0.4578275 * 255, 0.40821073 * 255],
        std=[0.26862954 * 255, 0.26130258 * 255, 0.27577711 * 255],
        to_rgb=True),
)
# Distributed: the classifier's own two-optimizer train_step, forward through DDP.
model_wrapper_cfg = dict(type='CAPDistributedDataParallel')
