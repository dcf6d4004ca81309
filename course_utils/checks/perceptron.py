"""Checks for the notebook "Perceptron and activation functions".

Every check is data that ``grader release`` wrote from the exercises' declarations in the
instructor notebook (``data/neural_networks/01_perceptron_and_activations.json``): see
:mod:`course_utils.checks.core`.
"""
from .released import exercises_of

__getattr__ = exercises_of("neural_networks/01_perceptron_and_activations").__getattr__
