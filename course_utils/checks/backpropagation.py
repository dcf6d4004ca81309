"""Checks for the notebook "Backpropagation and regularisation" (06_backpropagation_and_regularisation).

Every check is data that ``grader release`` wrote from the exercises' declarations in the
instructor notebook (``data/neural_networks/06_backpropagation_and_regularisation.json``): see
:mod:`course_utils.checks.core`.
"""
from .released import exercises_of

__getattr__ = exercises_of("neural_networks/06_backpropagation_and_regularisation").__getattr__
