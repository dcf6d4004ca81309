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

# The exchange, where `nbgrader release_assignment` puts a lab for students to fetch and
# `nbgrader submit` leaves their work for `nbgrader collect`. By default it is a git-ignored
# folder of this checkout, so the formgrader's release and collect work out of the box for
# one machine; nbgrader's own default (/usr/local/share/nbgrader/exchange) needs root. On a
# JupyterHub, set NBGRADER_EXCHANGE to the shared folder the admin made (world-writable):
# this file overrides a c.Exchange.root of /etc/jupyter/nbgrader_config.py whenever
# nbgrader runs from this folder, so the global file alone reaches the students only.
c.CourseDirectory.course_id = os.environ.get("NBGRADER_COURSE_ID") or "intro-dl-labs"
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE") or os.path.join(c.CourseDirectory.root, "exchange")
if not os.environ.get("NBGRADER_EXCHANGE"):
    # nbgrader's listing (and so the formgrader) requires the folder to exist; only release
    # would create it. Same mode nbgrader's release gives it (everyone rwx), plus the sticky
    # bit so that no account can remove another's files.
    try:
        os.makedirs(c.Exchange.root, exist_ok=True)
        if os.stat(c.Exchange.root).st_mode & 0o1777 != 0o1777:
            os.chmod(c.Exchange.root, 0o1777)
    except OSError:
        pass  # a read-only checkout: the formgrader then says the exchange is missing

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
