"""Guided lessons: a JSON file of steps that each load or change an experiment, ask the learner
to do something (train, step, change a setting) and name a checkpoint on the trainer's numbers.

:mod:`.format` reads and validates a lesson file, :mod:`.checkpoints` judges a checkpoint from
what training reported, and :mod:`.runner` plays a whole lesson headless (``lesson --check``).
The window drives the same steps and the same checkpoints from its live snapshots.
"""

from .format import (FORMAT, PANELS, Lesson, LessonError, Step, is_lesson_file, lesson_outline,
                     load_lesson, parse_lesson, shipped_lessons)

__all__ = ["FORMAT", "PANELS", "Lesson", "LessonError", "Step", "is_lesson_file",
           "lesson_outline", "load_lesson", "parse_lesson", "shipped_lessons"]
