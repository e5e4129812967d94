"""Authors of the blind cases' histories."""

MAYA = "Maya Lindqvist <maya.lindqvist@acme.dev>"
TOMAS = "Tomas Ferreira <tomas.ferreira@acme.dev>"
PRIYA = "Priya Raman <priya.raman@acme.dev>"
JONAS = "Jonas Weber <jonas.weber@acme.dev>"
AMARA = "Amara Okafor <amara.okafor@acme.dev>"

CI_WORKFLOW = """name: tests
on: [push, pull_request]
jobs:
  tests:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: pip install pytest
      - run: python -m pytest -q
"""
