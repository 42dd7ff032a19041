"""The test harness: what tests/ and the root noxfile.py share, never shipped in the wheel.

The wheel packages `generator/genai_scaffold` only; this folder is found on `sys.path`
from the repository root (pytest's rootdir, and the noxfile adds it).
"""
