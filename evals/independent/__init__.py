"""Independently written incident cases (see README.md): specs, generator and checker."""
