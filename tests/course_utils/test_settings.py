from course_utils import settings


def test_quick_switch(monkeypatch):
    monkeypatch.delenv(settings.QUICK_ENV, raising=False)
    assert settings.steps(full=1000, quick=10) == 1000
    monkeypatch.setenv(settings.QUICK_ENV, "1")
    assert settings.is_quick() and settings.steps(full=1000, quick=10) == 10
    monkeypatch.setenv(settings.QUICK_ENV, "0")
    assert not settings.is_quick()


def test_demo_sizes_shrink_only_under_tests_and_grading(monkeypatch):
    monkeypatch.delenv(settings.QUICK_ENV, raising=False)
    assert settings.size(full=256, quick=32) == 256
    monkeypatch.setenv(settings.QUICK_ENV, "1")
    assert settings.size(full=256, quick=32) == 32
