from shared.text import digits, fold, matches


def test_fold_strips_diacritics_and_case():
    assert fold("Nguyễn Văn Ánh") == "nguyen van anh"
    assert fold("  Thôn   Đông\tHạ ") == "thon dong ha"
    assert fold("ĐẶNG THỊ ĐÀO") == "dang thi dao"
    assert fold(None) == "" and fold("") == ""


def test_fold_is_the_same_for_composed_and_decomposed_input():
    import unicodedata
    name = "Huỳnh Thị Phượng"
    assert fold(unicodedata.normalize("NFD", name)) == fold(unicodedata.normalize("NFC", name)) == "huynh thi phuong"


def test_matches_every_word_across_fields():
    assert matches("nguyen van a", "Nguyễn Văn Ánh")
    assert matches("anh kiet 12", "Nguyễn Văn Ánh", "Số 7, kiệt 12")
    assert not matches("nguyen van b", "Nguyễn Văn Ánh")


def test_digits_keeps_only_digits():
    assert digits("0905.123 456") == "0905123456"
