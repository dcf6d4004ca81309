"""Checks for the notebook "Introduction to TensorFlow" (lab ``tensorflow_music``, part 1).

Every check is data that ``grader release`` wrote from the exercises' declarations in the
instructor notebook (``data/tensorflow_music/01_intro_to_tensorflow.json``): see
:mod:`course_utils.checks.core`.
"""
from .released import exercises_of

__getattr__ = exercises_of("tensorflow_music/01_intro_to_tensorflow").__getattr__
