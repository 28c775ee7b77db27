from shared.text import digits, fold


def test_fold_strips_diacritics_and_case():
    assert fold("Nguyễn Văn Ánh") == "nguyen van anh"
    assert fold("  Thôn   Đông\tHạ ") == "thon dong ha"
    assert fold("ĐẶNG THỊ ĐÀO") == "dang thi dao"
    assert fold(None) == "" and fold("") == ""


def test_fold_is_the_same_for_composed_and_decomposed_input():
    import unicodedata
    name = "Huỳnh Thị Phượng"
    assert fold(unicodedata.normalize("NFD", name)) == fold(unicodedata.normalize("NFC", name)) == "huynh thi phuong"


def test_digits_keeps_only_digits():
    assert digits("0905.123 456") == "0905123456"
