"""Checks for the notebook "Quantifying loss and training" (05_losses_and_training).

Every check is data that ``grader release`` wrote from the exercises' declarations in the
instructor notebook (``data/neural_networks/05_losses_and_training.json``): see
:mod:`course_utils.checks.core`.
"""
from .released import exercises_of

__getattr__ = exercises_of("neural_networks/05_losses_and_training").__getattr__
