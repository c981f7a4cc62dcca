"""Class names of CAP's data sets, in the order of CAP's class files (data/class_files/ of
Noahwangyuchen/CAP, which CAP's utils/prepare_data.py reads as ``class_names.txt`` /
``labels.txt`` at the data set root). Typed here as data (names and order are facts of the
reference); the label index ``i`` of the reference's list files means ``names[i]``.

RESISC45 and CUB have no class file: the reference reads their names from the data set
(``train.json``'s categories; ``CUB_200_2011/classes.txt``), and so do the readers here.
"""


# data/class_files/DTD/class_names.txt (47)
CAP_DTD_CATEGORIES = (
    'banded', 'blotchy', 'braided', 'bubbly', 'bumpy', 'chequered', 'cobwebbed', 'cracked',
    'crosshatched', 'crystalline', 'dotted', 'fibrous', 'flecked', 'freckled', 'frilly', 'gauzy',
    'grid', 'grooved', 'honeycombed', 'interlaced', 'knitted', 'lacelike', 'lined', 'marbled',
    'matted', 'meshed', 'paisley', 'perforated', 'pitted', 'pleated', 'polka-dotted', 'porous',
    'potholed', 'scaly', 'smeared', 'spiralled', 'sprinkled', 'stained', 'stratified', 'striped',
    'studded', 'swirly', 'veined', 'waffled', 'woven', 'wrinkled', 'zigzagged')


# data/class_files/Flowers102/class_names.txt (102)
CAP_FLOWERS102_CATEGORIES = (
    'pink primrose', 'hard-leaved pocket orchid', 'canterbury bells', 'sweet pea',
    'english marigold', 'tiger lily', 'moon orchid', 'bird of paradise', 'monkshood',
    'globe thistle', 'snapdragon', "colt's foot", 'king protea', 'spear thistle', 'yellow iris',
    'globe flower', 'purple coneflower', 'peruvian lily', 'balloon flower',
    'giant white arum lily', 'fire lily', 'pincushion flower', 'fritillary', 'red ginger',
    'grape hyacinth', 'corn poppy', 'prince of wales feathers', 'stemless gentian', 'artichoke',
    'sweet william', 'carnation', 'garden phlox', 'love in the mist', 'mexican aster',
    'alpine sea holly', 'ruby-lipped cattleya', 'cape flower', 'great masterwort', 'siam tulip',
    'lenten rose', 'barbeton daisy', 'daffodil', 'sword lily', 'poinsettia', 'bolero deep blue',
    'wallflower', 'marigold', 'buttercup', 'oxeye daisy', 'common dandelion', 'petunia',
    'wild pansy', 'primula', 'sunflower', 'pelargonium', 'bishop of llandaff', 'gaura', 'geranium',
    'orange dahlia', 'pink and yellow dahlia', 'cautleya spicata', 'japanese anemone',
    'black-eyed susan', 'silverbush', 'californian poppy', 'osteospermum', 'spring crocus',
    'bearded iris', 'windflower', 'tree poppy', 'gazania', 'azalea', 'water lily', 'rose',
    'thorn apple', 'morning glory', 'passion flower', 'lotus', 'toad lily', 'anthurium',
    'frangipani', 'clematis', 'hibiscus', 'columbine', 'desert-rose', 'tree mallow', 'magnolia',
    'cyclamen', 'watercress', 'canna lily', 'hippeastrum', 'bee balm', 'air plant', 'foxglove',
    'bougainvillea', 'camellia', 'mallow', 'mexican petunia', 'bromelia', 'blanket flower',
    'trumpet creeper', 'blackberry lily')


# data/class_files/FGVCAircraft/labels.txt (100): also the image folder names, so '/' is
# written '-' ('F-16A-B', 'F-A-18').
CAP_FGVCAIRCRAFT_CATEGORIES = (
    '707-320', '727-200', '737-200', '737-300', '737-400', '737-500', '737-600', '737-700',
    '737-800', '737-900', '747-100', '747-200', '747-300', '747-400', '757-200', '757-300',
    '767-200', '767-300', '767-400', '777-200', '777-300', 'A300B4', 'A310', 'A318', 'A319',
    'A320', 'A321', 'A330-200', 'A330-300', 'A340-200', 'A340-300', 'A340-500', 'A340-600', 'A380',
    'An-12', 'ATR-42', 'ATR-72', 'BAE 146-200', 'BAE 146-300', 'BAE-125', 'Beechcraft 1900',
    'Boeing 717', 'C-130', 'C-47', 'Cessna 172', 'Cessna 208', 'Cessna 525', 'Cessna 560',
    'Challenger 600', 'CRJ-200', 'CRJ-700', 'CRJ-900', 'DC-10', 'DC-3', 'DC-6', 'DC-8', 'DC-9-30',
    'DH-82', 'DHC-1', 'DHC-6', 'DHC-8-100', 'DHC-8-300', 'Dornier 328', 'DR-400', 'E-170', 'E-190',
    'E-195', 'EMB-120', 'Embraer Legacy 600', 'ERJ 135', 'ERJ 145', 'Eurofighter Typhoon',
    'F-16A-B', 'F-A-18', 'Falcon 2000', 'Falcon 900', 'Fokker 100', 'Fokker 50', 'Fokker 70',
    'Global Express', 'Gulfstream IV', 'Gulfstream V', 'Hawk T1', 'Il-76', 'L-1011', 'MD-11',
    'MD-80', 'MD-87', 'MD-90', 'Metroliner', 'Model B200', 'PA-28', 'Saab 2000', 'Saab 340',
    'Spitfire', 'SR-20', 'Tornado', 'Tu-134', 'Tu-154', 'Yak-42')


# data/class_files/EuroSAT/class_names.txt (10), each with the image folder of the EuroSAT
# (RGB) archive that holds its images (utils/prepare_data.py:303-314).
CAP_EUROSAT_FOLDERS = (
    ('annual crop land', 'AnnualCrop'),
    ('forest', 'Forest'),
    ('brushland or shrubland', 'HerbaceousVegetation'),
    ('highway or road', 'Highway'),
    ('industrial buildings or commercial buildings', 'Industrial'),
    ('pasture land', 'Pasture'),
    ('permanent crop land', 'PermanentCrop'),
    ('residential buildings or homes or apartments', 'Residential'),
    ('river', 'River'),
    ('lake or sea', 'SeaLake'),
)
CAP_EUROSAT_CATEGORIES = tuple(name for name, _ in CAP_EUROSAT_FOLDERS)
