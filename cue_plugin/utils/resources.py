"""Files that ship with the package (cue_plugin/resources): class names, class cues."""
import os.path as osp

# cue_plugin/resources, beside this sub-package.
RESOURCES = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'resources')


def resolve_resource(path: str, subdir: str = '') -> str:
    """``path`` if it exists, else the file of that name shipped in cue_plugin/resources."""
    if osp.isfile(path):
        return path
    shipped = osp.join(RESOURCES, subdir, path)
    if not osp.isabs(path) and osp.isfile(shipped):
        return shipped
    raise FileNotFoundError(f"'{path}' does not exist (nor as {shipped}).")
