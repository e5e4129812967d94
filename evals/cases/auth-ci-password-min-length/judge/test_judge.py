from auth.policy import acceptable, problems


def test_boundary():
    assert acceptable("Correcthors9")
    assert not acceptable("Correcthor9")


def test_messages_and_digit_rule():
    assert problems("Short1") == ["more than 11 characters"]
    assert problems("Correcthorse") == ["a digit"]
