"""Root-cause analysis: which change broke what, and why.

`analyse.analyse(alert, repo, deploys, Options(...)) -> RootCause` is the core, callable
without the graph. Its parts: `locate` (frames → files, stale context), `traceback` (frames
from text), `window` (the suspect window from the deploy history), `diffs` (what a commit
changed; the pull request that brought it), `scoring` (evidence and scores), `ci` (the
suite as the reproduction of a CI alert), `bisect` and `confirm` (running code at a suspect
and its parent; bisection over the window), `explain` (plain words and forge links).
"""
