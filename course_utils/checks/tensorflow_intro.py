"""Checks for the notebook "Introduction to TensorFlow" (lab ``neural_networks``, notebook 02).

Every check is data that ``grader release`` wrote from the exercises' declarations in the
instructor notebook (``data/neural_networks/02_intro_to_tensorflow.json``): see
:mod:`course_utils.checks.core`.
"""
from .released import exercises_of

__getattr__ = exercises_of("neural_networks/02_intro_to_tensorflow").__getattr__
