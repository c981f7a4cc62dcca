"""The instance cue of CUE: each image's top-k zero-shot classes besides its own, from a
VLM (the frozen zero-shot CLIP), online or from a cache."""
import torch

#: The data-sample field that holds an image's instance cue (its top-k class indices).
TOPK_FIELD = 'instance_cue_topk'
#: Deprecated field names, old -> new, still read (with a warning) until the next release.
LEGACY_FIELDS = {'vlm_cue': TOPK_FIELD}


def zero_shot_topk(zs_logits: torch.Tensor, labels: torch.Tensor, k: int = 5) -> torch.Tensor:
    """Top-k zero-shot classes with the true class masked to -inf (B x k indices)."""
    masked = zs_logits.float().clone()
    masked.scatter_(1, labels.view(-1, 1).long(), float('-inf'))
    return masked.topk(min(k, masked.size(1) - 1), dim=1).indices


def instance_cue_targets(topk: torch.Tensor, labels: torch.Tensor,
                         num_classes: int) -> torch.Tensor:
    """Multi-hot instance-cue target T_inst: the top-k neighbours and the true class set
    to 1."""
    t = torch.zeros(len(labels), num_classes, device=topk.device)
    t.scatter_(1, topk.long(), 1.0)
    t.scatter_(1, labels.view(-1, 1).long().to(topk.device), 1.0)
    return t
