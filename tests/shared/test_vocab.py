from shared.vocab import OUTCOMES, REJECT_CODES, SEXES, TOPICS, label


def test_label_falls_back_to_vietnamese_then_to_the_key():
    assert label(OUTCOMES, "done", "fr") == "Đã xong"  # a language without labels: Vietnamese
    assert label(SEXES, "m") == "Nam" and label(SEXES, "m", "en") == "Male"
    assert label({"x": {"vi": "Khác", "en": ""}}, "x", "en") == "Khác"  # an empty label is no label
    assert label(TOPICS, "bitcoin", "en") == "bitcoin"


def test_every_reject_code_has_both_labels():
    assert all(labels["vi"] and labels["en"] for labels in REJECT_CODES.values())
