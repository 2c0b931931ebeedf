"""``lesson FILE --check``: play every step of a lesson headless and judge its checkpoints,
one line per step with the numbers seen; exit 0 when all pass, 1 when one fails, 2 for a bad
file."""

from __future__ import annotations

from playground.errors import PlaygroundError

from . import EXIT_FAILED, EXIT_OK

NAME = "lesson"
HELP = "check a lesson file: run every step's checkpoint headless"


def add_arguments(p) -> None:
    p.add_argument("file", help="lesson .json (format backprop-playground-lesson/1)")
    p.add_argument("--check", action="store_true",
                   help="run every step and its checkpoint (the only mode without a window)")


def run(args) -> int:
    from playground.lessons import load_lesson
    from playground.lessons.runner import LessonRun

    lesson = load_lesson(args.file)
    if not args.check:
        raise PlaygroundError("lesson: pass --check to run its checkpoints headless; open "
                              "the file in the window (File ▸ Open) to follow it")
    print(f"{lesson.title}: {len(lesson.steps)} steps")
    failed = 0
    for result in LessonRun(lesson).run():
        step = result.step
        seen = "; ".join(check.seen for check in result.checks) or "no checkpoint"
        mark = "ok  " if result.passed else "FAIL"
        what = step.action.describe() or "read"
        print(f"{mark} step {step.index + 1}: {what} — {seen}")
        failed += not result.passed
    print(f"{len(lesson.steps) - failed} of {len(lesson.steps)} steps pass")
    return EXIT_FAILED if failed else EXIT_OK
