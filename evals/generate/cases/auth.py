"""Auth: bearer tokens, login lockout, password policy and role inheritance."""

# Spec modules embed the services' source text verbatim; its lines may run long.
# ruff: noqa: E501

from __future__ import annotations

from evals.generate.spec import Case, Commit, Crash, Edit, pad, src

INIT = src('"""Auth service."""')

TOKENS_V1 = src('''
    """Bearer token extraction for the API gateway."""

    TOKENS = {"tok_live_8f2a": "user-17", "tok_live_91cc": "user-23"}


    def bearer_token(header):
        if not header or not header.startswith("Bearer "):
            return None
        return header[len("Bearer "):].strip()


    def authenticate(headers):
        token = bearer_token(headers.get("Authorization"))
        if token is None:
            return None
        return TOKENS.get(token)
''')

bearer_none = Case(
    id="auth-bearer-regex-none",
    title="AttributeError: 'NoneType' object has no attribute 'group' in bearer_token",
    source="sentry",
    service="auth",
    start="2026-11-02T10:00:00",
    commits=[
        Commit(
            "Bearer token authentication",
            "fay",
            files={
                "auth/__init__.py": INIT,
                "auth/tokens.py": TOKENS_V1,
                "tests/test_tokens.py": src('''
                    from auth.tokens import authenticate


                    def test_valid_token():
                        assert authenticate({"Authorization": "Bearer tok_live_8f2a"}) == "user-17"


                    def test_unknown_token():
                        assert authenticate({"Authorization": "Bearer nope"}) is None
                '''),
                "README.md": src("# auth\n\nToken checks for the API gateway."),
            },
            deploy="production",
        ),
        Commit(
            "Tokens: add the CI service token",
            "ben",
            edits=[
                Edit(
                    "auth/tokens.py",
                    '"tok_live_91cc": "user-23"}',
                    '"tok_live_91cc": "user-23", "tok_svc_ci01": "svc-ci"}',
                )
            ],
            deploy="production",
            hours=20,
        ),
        Commit(
            "Tokens: case-insensitive scheme, reject malformed tokens\n\n"
            "RFC 6750 schemes are case-insensitive: accept 'bearer' too. Tokens must look\n"
            "like tok_<kind>_<id>.",
            "hana",
            edits=[
                Edit(
                    "auth/tokens.py",
                    '"""Bearer token extraction for the API gateway."""\n',
                    '"""Bearer token extraction for the API gateway."""\n\nimport re\n\n'
                    'BEARER = re.compile(r"^bearer\\s+(tok_[a-z]+_[0-9a-z]+)\\s*$", re.IGNORECASE)\n',
                ),
                Edit(
                    "auth/tokens.py",
                    "    if not header or not header.startswith(\"Bearer \"):\n"
                    "        return None\n"
                    "    return header[len(\"Bearer \"):].strip()\n",
                    "    if not header:\n"
                    "        return None\n"
                    "    return BEARER.match(header).group(1)\n",
                ),
                Edit(
                    "tests/test_tokens.py",
                    '    assert authenticate({"Authorization": "Bearer nope"}) is None\n',
                    '    assert authenticate({"Authorization": "Bearer tok_live_0000"}) is None\n\n\n'
                    "def test_lowercase_scheme():\n"
                    '    assert authenticate({"Authorization": "bearer tok_live_91cc"}) == "user-23"\n',
                ),
            ],
            deploy="production",
            hours=27,
        ),
    ],
    culprit=2,
    crash=Crash(
        target="auth.tokens:authenticate",
        args='{"Authorization": "Basic dXNlcjpwYXNz", "User-Agent": "legacy-sync/1.4"}',
        tags={"transaction": "GET /v1/orders", "client": "legacy-sync"},
    ),
    files=["auth/tokens.py"],
    functions=["bearer_token"],
    judge=src('''
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
    '''),
    fix=[
        Edit(
            "auth/tokens.py",
            "    return BEARER.match(header).group(1)\n",
            "    match = BEARER.match(header)\n"
            "    return match.group(1) if match else None\n",
        )
    ],
    tags=["AttributeError", "none-handling", "regression", "feature-bundled"],
    feature_test=True,
)

LOCKOUT_V1 = src('''
    """Account lockout after repeated failed logins."""

    MAX_FAILED_ATTEMPTS = 5
    FAILED = {}


    def record_failure(user):
        FAILED[user] = FAILED.get(user, 0) + 1
        return FAILED[user]


    def is_locked(user):
        return FAILED.get(user, 0) >= MAX_FAILED_ATTEMPTS


    def login(user, password_ok):
        if is_locked(user):
            return "locked"
        if password_ok:
            FAILED.pop(user, None)
            return "ok"
        record_failure(user)
        return "denied"
''')

lockout_str = Case(
    id="auth-lockout-threshold-str-int",
    title="TypeError: '>=' not supported between instances of 'int' and 'str' in is_locked",
    source="sentry",
    service="auth",
    start="2026-11-04T09:00:00",
    commits=[
        Commit(
            "Lock accounts after repeated failures",
            "ana",
            files={
                "auth/__init__.py": INIT,
                "auth/lockout.py": LOCKOUT_V1,
                "tests/test_lockout.py": src('''
                    from auth import lockout


                    def test_lock_after_five():
                        lockout.FAILED.clear()
                        for _ in range(5):
                            assert lockout.login("u", False) == "denied"
                        assert lockout.login("u", True) == "locked"
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Lockout: reset counter on success",
            "ana",
            edits=[
                Edit(
                    "auth/lockout.py",
                    "def record_failure(user):\n",
                    "def reset(user):\n    FAILED.pop(user, None)\n\n\ndef record_failure(user):\n",
                )
            ],
            deploy="production",
            hours=21,
        ),
        Commit(
            "Lockout: threshold from AUTH_MAX_FAILED_ATTEMPTS\n\n"
            "Security wants 3 attempts in production and 5 elsewhere.",
            "gus",
            edits=[
                Edit(
                    "auth/lockout.py",
                    '"""Account lockout after repeated failed logins."""\n\nMAX_FAILED_ATTEMPTS = 5\n',
                    '"""Account lockout after repeated failed logins."""\n\nimport os\n\n'
                    "DEFAULT_MAX_FAILED_ATTEMPTS = 5\n",
                ),
                Edit(
                    "auth/lockout.py",
                    "def is_locked(user):\n"
                    "    return FAILED.get(user, 0) >= MAX_FAILED_ATTEMPTS\n",
                    "def max_failed_attempts():\n"
                    '    return os.environ.get("AUTH_MAX_FAILED_ATTEMPTS", DEFAULT_MAX_FAILED_ATTEMPTS)\n\n\n'
                    "def is_locked(user):\n"
                    "    return FAILED.get(user, 0) >= max_failed_attempts()\n",
                ),
            ],
            deploy="production",
            hours=26,
        ),
    ],
    culprit=2,
    crash=Crash(
        target="auth.lockout:login",
        args='"user-4410", False',
        env={"AUTH_MAX_FAILED_ATTEMPTS": "3"},
        tags={"transaction": "POST /login"},
    ),
    files=["auth/lockout.py"],
    functions=["max_failed_attempts"],
    judge=src('''
        from auth import lockout


        def test_threshold_from_environment(monkeypatch):
            monkeypatch.setenv("AUTH_MAX_FAILED_ATTEMPTS", "3")
            lockout.FAILED.clear()
            for _ in range(3):
                assert lockout.login("u1", False) == "denied"
            assert lockout.login("u1", True) == "locked"


        def test_default_threshold(monkeypatch):
            monkeypatch.delenv("AUTH_MAX_FAILED_ATTEMPTS", raising=False)
            lockout.FAILED.clear()
            for _ in range(4):
                lockout.login("u2", False)
            assert lockout.login("u2", True) == "ok"
            assert lockout.max_failed_attempts() == 5
    '''),
    fix=[
        Edit(
            "auth/lockout.py",
            '    return os.environ.get("AUTH_MAX_FAILED_ATTEMPTS", DEFAULT_MAX_FAILED_ATTEMPTS)\n',
            '    return int(os.environ.get("AUTH_MAX_FAILED_ATTEMPTS", DEFAULT_MAX_FAILED_ATTEMPTS))\n',
        )
    ],
    tags=["TypeError", "types", "configuration", "regression"],
)

POLICY_V1 = src('''
    """Password policy."""

    MIN_LENGTH = 12


    def problems(password):
        found = []
        if len(password) < MIN_LENGTH:
            found.append(f"at least {MIN_LENGTH} characters")
        if password.lower() == password:
            found.append("an upper-case letter")
        return found


    def acceptable(password):
        return not problems(password)
''')

ci_password = Case(
    id="auth-ci-password-min-length",
    title="CI failure: 12-character passwords rejected by the password policy",
    source="ci",
    service="auth",
    start="2026-11-05T15:00:00",
    commits=[
        Commit(
            "Password policy",
            "chen",
            files={
                "auth/__init__.py": INIT,
                "auth/policy.py": POLICY_V1,
                "tests/test_policy.py": src('''
                    from auth.policy import acceptable, problems


                    def test_minimum_length_is_enough():
                        assert acceptable("Correcthorse")


                    def test_short():
                        assert problems("Short1") == ["at least 12 characters"]
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Policy: require a digit",
            "dora",
            edits=[
                Edit(
                    "auth/policy.py",
                    "    return found\n",
                    "    if not any(c.isdigit() for c in password):\n"
                    '        found.append("a digit")\n'
                    "    return found\n",
                ),
                Edit("tests/test_policy.py", '"Correcthorse"', '"Correcthorse"[:-1] + "9"'),
            ],
            deploy="production",
            hours=22,
        ),
        Commit(
            "Policy: messages say 'more than'",
            "eli",
            edits=[
                Edit(
                    "auth/policy.py",
                    "    if len(password) < MIN_LENGTH:\n"
                    '        found.append(f"at least {MIN_LENGTH} characters")\n',
                    "    if len(password) <= MIN_LENGTH:\n"
                    '        found.append(f"more than {MIN_LENGTH - 1} characters")\n',
                ),
                Edit(
                    "tests/test_policy.py",
                    '    assert problems("Short1") == ["at least 12 characters"]\n',
                    '    assert problems("Short1") == ["more than 11 characters"]\n',
                ),
            ],
            deploy="production",
            hours=25,
        ),
    ],
    culprit=2,
    files=["auth/policy.py"],
    functions=["problems"],
    judge=src('''
        from auth.policy import acceptable, problems


        def test_boundary():
            assert acceptable("Correcthors9")
            assert not acceptable("Correcthor9")


        def test_messages_and_digit_rule():
            assert problems("Short1") == ["more than 11 characters"]
            assert problems("Correcthorse") == ["a digit"]
    '''),
    fix=[
        Edit("auth/policy.py", "    if len(password) <= MIN_LENGTH:\n", "    if len(password) < MIN_LENGTH:\n")
    ],
    tags=["off-by-one", "wrong-operator", "logic", "regression"],
)

ROLES_V1 = src('''
    """Roles with inherited permissions."""


    class Role:
        def __init__(self, name, permissions=(), parent=None):
            self.name = name
            self._permissions = set(permissions)
            self.parent = parent

        @property
        def permissions(self):
            inherited = self.parent.permissions if self.parent else set()
            return self._permissions | inherited


    VIEWER = Role("viewer", {"orders:read"})
    EDITOR = Role("editor", {"orders:write"}, parent=VIEWER)
    ADMIN = Role("admin", {"users:manage"}, parent=EDITOR)


    def can(role, permission):
        return permission in role.permissions
''')

roles_recursion = Case(
    id="auth-role-permissions-recursion",
    title="RecursionError: maximum recursion depth exceeded in Role.permissions",
    source="sentry",
    service="auth",
    start="2026-11-06T08:15:00",
    commits=[
        Commit(
            "Roles with inheritance",
            "gus",
            files={
                "auth/__init__.py": INIT,
                "auth/roles.py": ROLES_V1,
                "tests/test_roles.py": src('''
                    from auth.roles import ADMIN, VIEWER, Role


                    def test_role_names():
                        assert ADMIN.name == "admin"
                        assert Role("x").parent is None
                        assert VIEWER._permissions == {"orders:read"}
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Roles: support role grants that expire",
            "fay",
            edits=[
                Edit(
                    "auth/roles.py",
                    "def can(role, permission):\n",
                    "def can_until(role, permission, expires_at, now):\n"
                    "    return now < expires_at and can(role, permission)\n\n\n"
                    "def can(role, permission):\n",
                )
            ],
            deploy="production",
            hours=23,
        ),
        Commit(
            "Roles: freeze permission sets",
            "chen",
            edits=[
                Edit(
                    "auth/roles.py",
                    "        inherited = self.parent.permissions if self.parent else set()\n"
                    "        return self._permissions | inherited\n",
                    "        inherited = self.parent.permissions if self.parent else frozenset()\n"
                    "        return frozenset(self.permissions | inherited)\n",
                )
            ],
            deploy="production",
            hours=26,
        ),
    ],
    culprit=2,
    crash=Crash(
        target="auth.roles:can",
        args="__import__('auth.roles').roles.EDITOR, 'orders:read'",
        tags={"transaction": "GET /admin/orders"},
    ),
    files=["auth/roles.py"],
    functions=["Role.permissions"],
    judge=src('''
        from datetime import datetime

        from auth.roles import ADMIN, EDITOR, VIEWER, can, can_until


        def test_inherited_permissions():
            assert can(EDITOR, "orders:read")
            assert can(ADMIN, "orders:write")
            assert not can(VIEWER, "orders:write")
            assert isinstance(ADMIN.permissions, frozenset)


        def test_expiring_grants():
            assert can_until(ADMIN, "users:manage", datetime(2027, 1, 1), datetime(2026, 1, 1))
            assert not can_until(ADMIN, "users:manage", datetime(2025, 1, 1), datetime(2026, 1, 1))
    '''),
    fix=[
        Edit(
            "auth/roles.py",
            "        return frozenset(self.permissions | inherited)\n",
            "        return frozenset(self._permissions | inherited)\n",
        )
    ],
    tags=["RecursionError", "recursion", "rename", "regression"],
)

CASES = [
    pad(bearer_none, "ci", "version"),
    pad(lockout_str, "changelog"),
    pad(ci_password, "owners", same_push=True),
    pad(roles_recursion, "health"),
]
