from shared.vocab import OUTCOMES, REJECT_CODES, SEXES, TOPICS, label


def test_label_falls_back_to_vietnamese_then_to_the_key():
    assert label(OUTCOMES, "done", "fr") == "Đã xong"  # a language without labels: Vietnamese
    assert label(SEXES, "m") == "Nam" and label(SEXES, "m", "en") == "Male"
    assert label({"x": "Other"}, "x", "vi") == "Khác"  # a label is a msgid of the catalogue
    assert label(TOPICS, "bitcoin", "en") == "bitcoin"


def test_every_reject_code_has_both_labels():
    assert all(label(REJECT_CODES, code, "vi") not in ("", msgid) and label(REJECT_CODES, code, "en") == msgid
               for code, msgid in REJECT_CODES.items())
