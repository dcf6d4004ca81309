"""Auto-grading for the course labs, built on nbgrader.

Commands (see ``grader --help``): ``release`` regenerates the student notebooks in
``labs/`` from the instructor sources in ``solutions/``; ``autograde`` grades a folder
of submissions and writes ``grades.csv``.
"""
