"""Passphrase policy: length, the bundled common list, repeats and runs; strength feedback."""

from __future__ import annotations

import pytest

from clinician_desk.errors import UsageError
from clinician_desk.vault import check_new_passphrase, passphrase_feedback
from clinician_desk.vault.passphrase_policy import common_passwords


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "at least 12"),
        ("short one", "3 more"),
        ("elevenchars", "1 more"),
        ("password1234", "commonly used"),
        ("PASSWORD1234", "commonly used"),
        ("Password!2024", "commonly used"),
        ("iloveyou 1234", "commonly used"),
        ("correct horse battery staple", "commonly used"),
        ("Counselor2026!", "commonly used"),
        ("aaaaaaaaaaaaaaa", "Repeated"),
        ("abcabcabcabcabc", "Repeated"),
        ("qwertyuiopasdf", "keyboard runs"),
        ("BCDEFGHIJKLMNOPQ", "keyboard runs"),
        ("987654321098765", "keyboard runs"),
    ],
)
def test_refused_passphrases_get_an_actionable_message(text: str, fragment: str) -> None:
    with pytest.raises(UsageError, match=fragment):
        check_new_passphrase(text)
    score, message = passphrase_feedback(text)
    assert score <= 1
    assert fragment in message


@pytest.mark.parametrize(
    "text",
    [
        "purple tadpole evening",
        "my school has 3 red doors",
        "Tk8#m2Qz!pLw",
        "zwölf Äpfel im Garten",
        "ferry lantern 42 oboe",
    ],
)
def test_reasonable_passphrases_are_accepted(text: str) -> None:
    check_new_passphrase(text)
    score, message = passphrase_feedback(text)
    assert score >= 2
    assert "cceptable" in message or "Strong" in message


def test_twelve_characters_is_the_minimum_and_fifteen_is_recommended() -> None:
    check_new_passphrase("blue kettle9")  # exactly 12
    score, message = passphrase_feedback("blue kettle9")
    assert score <= 3 and "15 or more" in message
    with pytest.raises(UsageError):
        check_new_passphrase("blue kettle")


def test_longer_and_more_varied_scores_higher() -> None:
    scores = [
        passphrase_feedback(t)[0]
        for t in ("zzzzzzzzzzzzzzzz", "seven lazy otters", "seven lazy otters 9 Waltz jump!")
    ]
    assert scores == sorted(scores)
    assert scores[0] == 0 and scores[-1] == 4


def test_bundled_list_is_found_and_lower_case() -> None:
    words = common_passwords()
    assert len(words) > 100
    assert "password" in words and "iloveyou" in words
    assert all(w == w.casefold() for w in words)
