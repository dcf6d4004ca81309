# This repository is an nbgrader course: instructor sources in solutions/<lab>/,
# generated student notebooks in labs/<lab>/ (`grader release` or plain
# `nbgrader generate_assignment <lab> --force` from this folder).
import os

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "labs"
# The gradebook is grading state: it stays out of git (.gitignore).
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(c.CourseDirectory.root, "gradebook.db")

# A stub is valid Python that raises when called, so "Run all" on an untouched
# notebook runs to the end and each instant check reports "not attempted".
c.ClearSolutions.code_stub = {
    "python": '# TODO: your code here\nraise NotImplementedError("not attempted yet")',
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.ClearHiddenTests.begin_test_delimeter = "BEGIN HIDDEN TESTS"
c.ClearHiddenTests.end_test_delimeter = "END HIDDEN TESTS"

# Feedback for students never shows the hidden tests, their inputs or their tracebacks.
from nbgrader.preprocessors import GetGrades  # noqa: E402
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from grader.nbgrader_plugins import HideHiddenTests  # noqa: E402

c.GenerateFeedback.preprocessors = [HideHiddenTests, GetGrades, CSSHTMLHeaderPreprocessor]
