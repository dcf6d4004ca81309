"""course_utils.music: O'Neill's tunes from music21's corpus, ABC parsing, MIDI and audio.

Real music21, no mocks. Each parse costs music21 tens of milliseconds, so the tests use
short synthetic tunes and a handful of real ones.
"""
from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest

from course_utils import music
from course_utils.music import InvalidSongError

SCALE = "X:1\nT:Scale\nM:4/4\nL:1/4\nQ:1/4=120\nK:C\nCDEF|GABc|]"  # 8 quarters at 120: 4 s

INVALID = {
    "empty": "",
    "whitespace": "  \n\t\n",
    "garbage": "hello world!! 123 &&& qwertz",
    "truncated header": "X:12\nT:The Rocky Ro",
    "header only": "X:1\nT:Silence\nM:6/8\nL:1/8\nK:G",
    "only rests": "X:1\nT:Rest\nM:4/4\nL:1/4\nK:G\nz4|z4|]",
    "unfinished tuplet": "X:1\nT:Cut\nM:6/8\nL:1/8\nK:G\nGAB (3",
    "unclosed chord": "X:1\nT:Cut\nM:6/8\nL:1/8\nK:G\nGAB [Ac",
    "zero note length": "X:1\nT:Zero\nL:1/0\nK:G\nGAB|",
    "two tunes": "X:1\nT:A\nL:1/8\nK:G\nGAB|\nX:2\nT:B\nL:1/8\nK:D\nDEF|",
}


@pytest.fixture(scope="module")
def songs() -> list[music.Song]:
    return music.load_irish_songs()


# ----------------------------------------------------------------------------- import


def test_import_is_light_and_does_not_load_heavy_libraries():
    # The package itself is imported first, so only this module's own cost is timed.
    code = (
        "import sys, time, course_utils\n"
        "t = time.perf_counter(); import course_utils.music; dt = time.perf_counter() - t\n"
        "heavy = [m for m in ('music21', 'tensorflow', 'IPython') if m in sys.modules]\n"
        "print(dt, ','.join(heavy))"
    )
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
            for _ in range(3)]
    assert all(len(run) == 1 for run in runs), f"importing course_utils.music loaded: {runs}"
    assert min(float(run[0]) for run in runs) < 0.05


# ----------------------------------------------------------------------------- corpus


def test_load_irish_songs_gives_many_real_tunes(songs):
    assert len(songs) > 1500  # O'Neill's has 1850 numbers; music21 ships about 1840 of them
    assert len({song.abc for song in songs}) == len(songs), "duplicate transcriptions were not removed"
    first = songs[0]
    assert first.title == "The Enchanted Valley"
    assert (first.key, first.meter) == ("Gm", "2/4")
    assert first.abc.startswith("X:1\nT:The Enchanted Valley\n")
    assert first.abc.endswith(first.body)


def test_every_song_is_normalized_training_text(songs):
    for song in songs:
        assert song.title and song.key and song.body
        lines = song.abc.split("\n")
        assert lines[0].startswith("X:")
        assert f"T:{song.title}" in lines and f"K:{song.key}" in lines
        assert all(line and line == line.rstrip() and not line.startswith("%") for line in lines), song.abc
        assert not any(line.startswith(("Z:", "N:", "B:")) for line in lines), "bibliographic fields are dropped"


def test_load_is_cached_deterministic_and_limitable(songs):
    start = time.perf_counter()
    again = music.load_irish_songs()
    assert time.perf_counter() - start < 0.1
    assert again == songs and again is not songs  # a fresh list: callers may shuffle it
    assert music.load_irish_songs(max_songs=5) == songs[:5]
    assert music.load_irish_songs(max_songs=0) == []
    with pytest.raises(ValueError):
        music.load_irish_songs(max_songs=-1)


def test_song_is_frozen(songs):
    with pytest.raises(AttributeError):
        songs[0].title = "Something else"  # type: ignore[misc]


def test_songs_to_text_and_extract_songs_round_trip(songs):
    some = songs[:25]
    text = music.songs_to_text(some)
    assert text.count("\n\n") == len(some) - 1
    assert music.extract_songs(text) == [song.abc for song in some]


def test_extract_songs_from_generated_text():
    generated = (
        "c2 BA|G2 z2|]\n"  # the model starts mid-tune: not a song
        "X:3\nT:First\nM:6/8\nL:1/8\nK:G\nGAB c2d|\n"
        "X:4\nT:Second\nK:D\nDEF|\n\n"  # ends at the blank line
        "some noise between songs\n"
        "X:5\nT:Cut off\nM:3/4\nL:1/8\nK:A\nA2 B2 c"  # the sample ended mid-tune
    )
    assert music.extract_songs(generated) == [
        "X:3\nT:First\nM:6/8\nL:1/8\nK:G\nGAB c2d|",
        "X:4\nT:Second\nK:D\nDEF|",
        "X:5\nT:Cut off\nM:3/4\nL:1/8\nK:A\nA2 B2 c",
    ]
    assert music.extract_songs("no songs here\n\n") == []


# ----------------------------------------------------------------------------- parsing


def test_real_tunes_are_valid(songs):
    for song in songs[:: len(songs) // 8]:
        assert music.is_valid_abc(song.abc), song.title


@pytest.mark.parametrize("abc", INVALID.values(), ids=INVALID.keys())
def test_invalid_songs_raise_a_clear_error(abc):
    assert not music.is_valid_abc(abc)
    for convert in (music.abc_to_midi, music.abc_to_waveform):
        with pytest.raises(InvalidSongError, match="could not be parsed as ABC notation: .+"):
            convert(abc)


def test_invalid_song_error_is_a_value_error():
    assert issubclass(InvalidSongError, ValueError)


def test_non_text_is_a_type_error():
    with pytest.raises(TypeError):
        music.abc_to_waveform(["X:1"])  # type: ignore[arg-type]
    assert music.is_valid_abc(None) is False  # type: ignore[arg-type]


def test_tune_cut_mid_body_is_still_playable():
    assert music.is_valid_abc("X:9\nT:Cut\nM:6/8\nL:1/8\nK:G\nGAB c2d|e")


def test_tune_without_note_length_or_meter_uses_abc_default():
    # ABC's default unit is 1/8, but music21 rejects tunes with neither L: nor M:.
    assert music.is_valid_abc("X:1\nT:Bare\nK:G\nGAB cde|")


# ----------------------------------------------------------------------------- MIDI and audio


@pytest.mark.parametrize("index", [0, 666])  # 0: shared TimeSignature bug; 666: unbalanced repeats
def test_real_tune_converts_to_midi(songs, index):
    midi = music.abc_to_midi(songs[index].abc)
    assert midi[:4] == b"MThd" and len(midi) > 100


def test_waveform_of_a_scale():
    audio = music.abc_to_waveform(SCALE, sample_rate=8000)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert 4.0 * 8000 <= len(audio) <= 5.0 * 8000  # 8 quarters at 120 bpm plus a short ring-out
    assert np.all(np.abs(audio) <= 1.0)
    assert np.mean(audio**2) > 1e-3
    slower = music.abc_to_waveform(SCALE.replace("Q:1/4=120", "Q:1/4=60"), sample_rate=8000)
    assert 8.0 * 8000 <= len(slower) <= 9.0 * 8000


def test_waveform_has_the_right_pitch():
    sample_rate = 16000
    audio = music.abc_to_waveform("X:1\nT:A4\nM:4/4\nL:1/1\nK:C\nA|]", sample_rate=sample_rate)
    spectrum = np.abs(np.fft.rfft(audio))
    peak_hz = np.argmax(spectrum) * sample_rate / len(audio)
    assert abs(peak_hz - 440.0) < 3.0


def test_waveform_of_a_real_tune_is_cut_at_max_seconds(songs):
    audio = music.abc_to_waveform(songs[1].abc, sample_rate=8000, max_seconds=2.0)
    assert len(audio) == 2 * 8000
    assert audio.dtype == np.float32 and np.max(np.abs(audio)) <= 1.0 and np.any(audio != 0)


def test_play_song_returns_an_audio_player(songs):
    from IPython.display import Audio

    player = music.play_song(songs[2].abc, sample_rate=8000, max_seconds=3.0)
    assert isinstance(player, Audio)
    assert player.data[:4] == b"RIFF"  # an embedded WAV file


def test_play_song_renders_a_few_seconds_only_under_tests_and_grading(songs, monkeypatch):
    from course_utils.settings import QUICK_ENV

    monkeypatch.delenv(QUICK_ENV, raising=False)
    # a WAV of 16-bit samples at 8 kHz: 16,000 bytes a second, plus its header
    full = len(music.play_song(songs[1].abc, sample_rate=8000).data)
    assert full > 16_000 * 10
    monkeypatch.setenv(QUICK_ENV, "1")
    for max_seconds in (None, 30.0, 60.0):
        quick = len(music.play_song(songs[1].abc, sample_rate=8000, max_seconds=max_seconds).data)
        assert quick <= 16_000 * music.QUICK_AUDIO_SECONDS + 100
    assert len(music.play_song(songs[1].abc, sample_rate=8000, max_seconds=1.0).data) <= 16_000 + 100


@pytest.mark.parametrize("bad", ["", "garbage text", INVALID["unfinished tuplet"], ["X:1"]])
def test_play_song_on_invalid_input_prints_instead_of_raising(bad, capsys):
    assert music.play_song(bad) is None
    out = capsys.readouterr()
    assert "song" in out.out
    assert out.err == ""  # music21's own warnings are silenced
