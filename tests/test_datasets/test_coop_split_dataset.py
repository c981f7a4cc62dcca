"""CoOpSplitDataset and its presets (EuroSAT, RESISC45): CoOp split files."""
import pytest


def test_coop_split_datasets(tmp_path):
    import json

    from cue_plugin.datasets import RESISC45, CoOpSplitDataset, EuroSAT
    split = {'train': [['AnnualCrop/a.jpg', 0, 'Annual Crop Land'], ['Forest/b.jpg', 1, 'Forest']],
             'val': [], 'test': [['Forest/c.jpg', 1, 'Forest']]}
    (tmp_path / 'split_zhou_EuroSAT.json').write_text(json.dumps(split))
    ds = EuroSAT(data_root=str(tmp_path))
    assert ds.metainfo['classes'] == ('Annual Crop Land', 'Forest') and len(ds) == 2
    assert ds.get_data_info(1)['img_path'] == str(tmp_path / '2750' / 'Forest/b.jpg')
    assert EuroSAT(data_root=str(tmp_path), split='test').test_mode
    (tmp_path / 'split_RESISC45.json').write_text(json.dumps({'train': [['x.jpg', 0]]}))
    with pytest.raises(ValueError, match=r"train\[0\] should be \[path, label, classname\]"):
        RESISC45(data_root=str(tmp_path))
    # Presets are subclasses with class attributes; the base takes the same as arguments.
    assert issubclass(EuroSAT, CoOpSplitDataset) and EuroSAT.IMAGE_DIR == '2750'
    ds = CoOpSplitDataset(data_root=str(tmp_path), split_file='split_zhou_EuroSAT.json')
    assert ds.get_data_info(1)['img_path'] == str(tmp_path / 'Forest/b.jpg')
    with pytest.raises(ValueError, match='CoOpSplitDataset needs split_file'):
        CoOpSplitDataset(data_root=str(tmp_path))
