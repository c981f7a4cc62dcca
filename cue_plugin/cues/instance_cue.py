"""The instance (VLM) cue of CUE: each image's top-k zero-shot classes besides its own."""
import torch


def zero_shot_topk(zs_logits: torch.Tensor, labels: torch.Tensor, k: int = 5) -> torch.Tensor:
    """Top-k zero-shot classes with the true class masked to -inf (B x k indices)."""
    masked = zs_logits.float().clone()
    masked.scatter_(1, labels.view(-1, 1).long(), float('-inf'))
    return masked.topk(min(k, masked.size(1) - 1), dim=1).indices


def instance_cue_targets(topk: torch.Tensor, labels: torch.Tensor,
                         num_classes: int) -> torch.Tensor:
    """Multi-hot T_vlm: the top-k neighbours and the true class set to 1."""
    t = torch.zeros(len(labels), num_classes, device=topk.device)
    t.scatter_(1, topk.long(), 1.0)
    t.scatter_(1, labels.view(-1, 1).long().to(topk.device), 1.0)
    return t
