import pytest

from dxdesk.messages import CATALOG, FIELD_LABELS, Message, placeholders


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_both_languages_have_the_same_placeholders(code: str) -> None:
    vietnamese, english = CATALOG[code]
    assert vietnamese.strip() and english.strip()
    assert vietnamese != english
    assert placeholders(vietnamese) == placeholders(english)


def test_field_labels_exist_in_both_languages() -> None:
    for vietnamese, english in FIELD_LABELS.values():
        assert vietnamese and english and vietnamese != english


def test_message_renders_field_label_in_its_language() -> None:
    message = Message("required", field="results")
    assert message.text("vi") == "Chưa nhập Kết quả đạt được."
    assert message.text("en") == "Results achieved is required."
