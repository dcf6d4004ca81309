"""Checks for the notebook "Non-linearity and dense layers".

Every check is data that ``grader release`` wrote from the exercises' declarations in the
instructor notebook (``data/neural_networks/03_nonlinearity_and_dense_layers.json``): see
:mod:`course_utils.checks.core`.
"""
from .released import exercises_of

__getattr__ = exercises_of("neural_networks/03_nonlinearity_and_dense_layers").__getattr__
