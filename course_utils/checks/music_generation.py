"""Checks for the notebook "Music generation with an RNN" (lab ``tensorflow_music``, notebook 01).

Every check is data that ``grader release`` wrote from the exercises' declarations in the
instructor notebook (``data/tensorflow_music/01_music_generation.json``): see
:mod:`course_utils.checks.core`. The cases that need TensorFlow import it themselves, so
importing this module stays cheap.
"""
from .released import exercises_of

__getattr__ = exercises_of("tensorflow_music/01_music_generation").__getattr__
