"""Offline class cues from a taxonomy: classes sharing a parent are neighbours."""
from typing import Dict, List, Mapping, Sequence

from mmengine.logging import MMLogger

from .class_cue import MIN_NAME_MATCH, name_index, normalize_name

#: CIFAR-100's 20 superclasses (its coarse labels).
CIFAR100_SUPERCLASSES = {
    'aquatic mammals': ['beaver', 'dolphin', 'otter', 'seal', 'whale'],
    'fish': ['aquarium_fish', 'flatfish', 'ray', 'shark', 'trout'],
    'flowers': ['orchid', 'poppy', 'rose', 'sunflower', 'tulip'],
    'food containers': ['bottle', 'bowl', 'can', 'cup', 'plate'],
    'fruit and vegetables': ['apple', 'mushroom', 'orange', 'pear', 'sweet_pepper'],
    'household electrical devices': ['clock', 'keyboard', 'lamp', 'telephone', 'television'],
    'household furniture': ['bed', 'chair', 'couch', 'table', 'wardrobe'],
    'insects': ['bee', 'beetle', 'butterfly', 'caterpillar', 'cockroach'],
    'large carnivores': ['bear', 'leopard', 'lion', 'tiger', 'wolf'],
    'large man-made outdoor things': ['bridge', 'castle', 'house', 'road', 'skyscraper'],
    'large natural outdoor scenes': ['cloud', 'forest', 'mountain', 'plain', 'sea'],
    'large omnivores and herbivores': ['camel', 'cattle', 'chimpanzee', 'elephant',
                                       'kangaroo'],
    'medium-sized mammals': ['fox', 'porcupine', 'possum', 'raccoon', 'skunk'],
    'non-insect invertebrates': ['crab', 'lobster', 'snail', 'spider', 'worm'],
    'people': ['baby', 'boy', 'girl', 'man', 'woman'],
    'reptiles': ['crocodile', 'dinosaur', 'lizard', 'snake', 'turtle'],
    'small mammals': ['hamster', 'mouse', 'rabbit', 'shrew', 'squirrel'],
    'trees': ['maple_tree', 'oak_tree', 'palm_tree', 'pine_tree', 'willow_tree'],
    'vehicles 1': ['bicycle', 'bus', 'motorcycle', 'pickup_truck', 'train'],
    'vehicles 2': ['lawn_mower', 'rocket', 'streetcar', 'tank', 'tractor'],
}

#: Fashion-MNIST: tops / footwear / bags (trousers stand alone).
FASHION_MNIST_GROUPS = {
    'tops': ['T-shirt/top', 'Pullover', 'Dress', 'Coat', 'Shirt'],
    'footwear': ['Sandal', 'Sneaker', 'Ankle boot'],
    'bags': ['Bag'],
    'bottoms': ['Trouser'],
}

BUILTIN_TAXONOMIES = {'cifar100': CIFAR100_SUPERCLASSES, 'fashion_mnist': FASHION_MNIST_GROUPS}


def groups_to_parent_map(groups: Mapping[str, Sequence[str]]) -> Dict[str, str]:
    return {child: parent for parent, children in groups.items() for child in children}


def taxonomy_neighbours(classes: Sequence[str], parent_of: Mapping[str, str],
                        strict: bool = True) -> Dict[int, List[int]]:
    """Neighbours of c = the other classes with c's parent.

    Args:
        classes: class names in label order.
        parent_of: class name -> parent name (e.g. superclass, genus).
        strict: raise if a class has no parent; otherwise it gets no neighbours, with a
            warning naming some, and the map is still refused when fewer than
            ``MIN_NAME_MATCH`` (half) of the classes have a parent (a map of another data
            set would give every class the identity as its cue).
    """
    parents = {normalize_name(k): v for k, v in parent_of.items()}
    missing = [c for c in classes if normalize_name(c) not in parents]
    if missing and (strict or len(classes) - len(missing) < MIN_NAME_MATCH * len(classes)):
        raise ValueError(f'The taxonomy has no parent for {len(missing)} of {len(classes)} '
                         f'classes, e.g. {missing[:5]}.')
    if missing:
        MMLogger.get_current_instance().warning(
            f'The taxonomy has no parent for {len(missing)} of {len(classes)} classes (they '
            f'get no neighbours), e.g. {missing[:5]}.')
    by_parent: Dict[str, List[int]] = {}
    for i, c in enumerate(classes):
        p = parents.get(normalize_name(c))
        if p is not None:
            by_parent.setdefault(p, []).append(i)
    out = {}
    for i, c in enumerate(classes):
        p = parents.get(normalize_name(c))
        out[i] = [j for j in by_parent.get(p, []) if j != i] if p is not None else []
    return out


def builtin_taxonomy(name: str) -> Dict[str, str]:
    if name not in BUILTIN_TAXONOMIES:
        raise ValueError(f'Unknown built-in taxonomy {name!r}; known: '
                         f'{sorted(BUILTIN_TAXONOMIES)}. Give a parent map file otherwise.')
    return groups_to_parent_map(BUILTIN_TAXONOMIES[name])


def class_names_unique(classes: Sequence[str]) -> bool:
    return all(len(v) == 1 for v in name_index(classes).values())
