"""Checks for the notebook "Deep networks".

Every check is data that ``grader release`` wrote from the exercises' declarations in the
instructor notebook (``data/neural_networks/04_deep_networks.json``): see
:mod:`course_utils.checks.core`.
"""
from .released import exercises_of

__getattr__ = exercises_of("neural_networks/04_deep_networks").__getattr__
