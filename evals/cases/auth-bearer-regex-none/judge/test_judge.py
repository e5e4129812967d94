from auth.tokens import authenticate, bearer_token


def test_other_schemes_and_garbage_are_rejected():
    assert authenticate({"Authorization": "Basic dXNlcjpwYXNz"}) is None
    assert authenticate({"Authorization": "Bearer not a token"}) is None
    assert authenticate({}) is None
    assert bearer_token("Bearer") is None


def test_valid_tokens_any_case():
    assert authenticate({"Authorization": "Bearer tok_live_8f2a"}) == "user-17"
    assert authenticate({"Authorization": "bearer tok_live_91cc"}) == "user-23"
    assert authenticate({"Authorization": "BEARER tok_svc_ci01"}) == "svc-ci"
