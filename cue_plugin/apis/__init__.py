from .inference import classify_images, list_images
from .model_zoo import register_model_index
from .tiny_clip import pretrain_tiny_clip, zero_shot_accuracy

# get_model('<name in model-index.yml>') and list_models() see our models once cue_plugin
# is imported.
register_model_index()

__all__ = ['classify_images', 'list_images', 'pretrain_tiny_clip', 'register_model_index',
           'zero_shot_accuracy']
