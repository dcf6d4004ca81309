"""Irish folk tunes in ABC notation for the lab "Music generation with an RNN", and ways to hear them.

The tunes are O'Neill's "Music of Ireland" (1903; about 1,840 distinct tunes once the corpus's
overlapping files are de-duplicated), which ships inside the music21 package as ABC text files, so nothing is downloaded::

    songs = load_irish_songs()          # list[Song], each with .title, .key, .meter, .body, .abc
    text = songs_to_text(songs)         # the character-level training corpus
    generated = ...                     # text sampled from the trained LSTM
    for abc in extract_songs(generated):
        play_song(abc)                  # an IPython Audio player, or a printed explanation

Audio is synthesised in NumPy (a plucked additive tone per note), so there is no
fluidsynth, soundfont or system package to install. music21, NumPy and IPython are
imported inside the functions that need them: importing this module stays instant.
"""
from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from IPython.display import Audio

__all__ = [
    "InvalidSongError",
    "Song",
    "abc_to_midi",
    "abc_to_waveform",
    "extract_songs",
    "is_valid_abc",
    "load_irish_songs",
    "play_song",
    "songs_to_text",
]

# Field lines kept in the training text: the tune's number and name plus everything that
# changes how it sounds. Book references, notes and transcriber e-mails (B:, N:, Z:, ...)
# are dropped: they are not music and would only teach the model to write citations.
_KEEP_FIELDS = frozenset("XTMLQRPVK")
_FIELD_LINE = re.compile(r"^([A-Za-z]):(.*)$")
_X_NUMBER = re.compile(r"^X:\s*(\d+)")
_FILE_RANGE = re.compile(r"^(\d+)-(\d+)")
_DEFAULT_QPM = 120.0  # quarter notes per minute when a tune has no Q: field
QUICK_AUDIO_SECONDS = 4.0  # what play_song renders under tests and grading
# What this module imports inside its functions (importing it stays instant): the grader's
# kernels import these ahead, before the student's first cell (grader.kernel_pool.lab_imports).
WARM_IMPORTS = ("music21.converter", "music21.abcFormat.translate", "music21.harmony", "music21.tempo",
                "music21.stream", "music21.meter", "music21.bar")


class InvalidSongError(ValueError):
    """A text that is not a playable ABC tune; the message says why in plain words."""


def _invalid(reason: str) -> InvalidSongError:
    return InvalidSongError(f"This song could not be parsed as ABC notation: {reason}")


@dataclass(frozen=True)
class Song:
    """One tune: its title, key (``K:``), meter (``M:``), the music lines, and the full ABC text."""

    title: str
    key: str
    meter: str
    body: str
    abc: str

    def __str__(self) -> str:
        return self.abc


# ----------------------------------------------------------------------------- loading


def _corpus_dir() -> Path:
    # find_spec locates the installed package without importing it (music21 takes ~1 s).
    spec = importlib.util.find_spec("music21")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("music21 is not installed: run `pip install music21`.")
    folder = Path(next(iter(spec.submodule_search_locations))) / "corpus" / "oneills1850"
    if not folder.is_dir():
        raise FileNotFoundError(f"O'Neill's tunes are missing from the music21 installation: {folder}")
    return folder


def _normalize(raw: str) -> Song | None:
    """Turn one ``X:`` chunk of a corpus file into a Song (None if it has no music)."""
    header: list[str] = []
    body: list[str] = []
    fields: dict[str, str] = {}
    for line in raw.splitlines():
        line = line.replace("\t", " ").rstrip()  # tabs are just spaces in ABC
        if not line:
            break  # in ABC a blank line ends the tune; what follows is free text
        if line.startswith("%"):
            continue  # comments and %%formatting directives
        field = _FIELD_LINE.match(line)
        if field:
            letter, value = field.group(1), field.group(2).strip()
            if letter not in _KEEP_FIELDS or not value:
                continue
            line = f"{letter}:{value}"  # one spelling ("T:Name", not "T: Name") is easier to learn
            if "K" not in fields:  # still in the header, which ends at the first K: line
                fields.setdefault(letter, value)
                header.append(line)
                continue
        (body if "K" in fields else header).append(line)
    if not body or "K" not in fields:
        return None
    return Song(
        title=fields.get("T", ""),
        key=fields["K"],
        meter=fields.get("M", ""),
        body="\n".join(body),
        abc="\n".join(header + body),
    )


@functools.lru_cache(maxsize=1)
def _all_songs() -> tuple[Song, ...]:
    songs: list[Song] = []
    seen: set[object] = set()
    for path in sorted(_corpus_dir().glob("*.abc")):
        file_range = _FILE_RANGE.match(path.name)
        for chunk in re.split(r"(?m)^(?=X:)", path.read_text(encoding="latin-1")):
            number = _X_NUMBER.match(chunk)
            if not number:
                continue  # text before the first tune of a file
            # Several files overlap (two transcriptions of the same tunes), so a tune number
            # seen before is a duplicate. A number outside its file's range (e.g. X:800 in
            # 0626-0700.abc) is a typo in the corpus, not a duplicate: keep that tune.
            x = int(number.group(1))
            in_range = file_range and int(file_range.group(1)) <= x <= int(file_range.group(2))
            identity: object = x if in_range else (path.name, x)
            if identity in seen:
                continue
            song = _normalize(chunk)
            if song is not None:
                seen.add(identity)
                songs.append(song)
    return tuple(songs)


def load_irish_songs(max_songs: int | None = None) -> list[Song]:
    """Return O'Neill's Irish folk tunes (about 1,840) in book order, read from music21's corpus.

    ``max_songs`` keeps only the first tunes. The text files are read once per process
    (about 30 ms); music21 itself is not imported.
    """
    if max_songs is not None and max_songs < 0:
        raise ValueError(f"max_songs must be >= 0 or None, got {max_songs}")
    return list(_all_songs()[:max_songs])


def songs_to_text(songs: Iterable[Song | str]) -> str:
    """Join the songs' ABC texts with a blank line between them: the training corpus."""
    return "\n\n".join(song.abc if isinstance(song, Song) else song.strip() for song in songs)


def extract_songs(text: str) -> list[str]:
    """Find the ABC songs in generated text.

    A song starts at a line beginning with ``X:`` and ends before the next ``X:`` line or a
    blank line; text outside songs is ignored. Songs may still be invalid (check with
    :func:`is_valid_abc`).
    """
    songs: list[str] = []
    current: list[str] | None = None
    for line in text.splitlines():
        line = line.rstrip()
        if line.startswith("X:"):
            if current:
                songs.append("\n".join(current))
            current = [line]
        elif current is not None:
            if line:
                current.append(line)
            else:
                songs.append("\n".join(current))
                current = None
    if current:
        songs.append("\n".join(current))
    return songs


# ----------------------------------------------------------------------------- parsing


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    # music21 reports odd input by writing "music21: WARNING ..." straight to stderr and
    # by Python warnings; in a notebook that is noise next to our one clear message.
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


def _parse(abc: str) -> Any:
    """Parse one ABC tune into a music21 Score, or raise InvalidSongError."""
    if not isinstance(abc, str):
        raise TypeError(f"expected one song as a str of ABC text, got {type(abc).__name__}")
    text = abc.strip()
    if not text:
        raise _invalid("the text is empty.")
    if not re.search(r"(?m)^K:", text):
        raise _invalid("it has no 'K:' (key) line, which ends every ABC tune header.")
    tunes = len(re.findall(r"(?m)^X:", text))
    if tunes > 1:
        raise _invalid(f"it holds {tunes} tunes; split it with extract_songs() and pass one at a time.")
    if not re.search(r"(?m)^[LM]:", text):
        # ABC's default note length is 1/8 without L: and M:, but music21 refuses such tunes.
        text = re.sub(r"(?m)^K:", "L:1/8\nK:", text, count=1)

    from music21 import converter, harmony

    try:
        with _quiet():
            score = converter.parseData(text, format="abc")
            has_notes = any(not isinstance(n, harmony.Harmony) for n in score.flatten().notes)
    except Exception as err:  # music21 raises anything from ABCHandlerException to ZeroDivisionError
        raise _invalid(f"music21 could not read it ({type(err).__name__}: {err}).") from err
    if not has_notes:  # chord symbols ("Am") alone are not music to play
        raise _invalid("it contains no notes.")
    return score


def is_valid_abc(abc: str) -> bool:
    """True if ``abc`` is one ABC tune that music21 can parse and that has at least one note."""
    try:
        _parse(abc)
    except (InvalidSongError, TypeError):
        return False
    return True


def _prepare_for_midi(score: Any) -> None:
    """Work around music21 problems that make its MIDI export fail or crawl on ABC input."""
    import copy

    from music21 import bar, meter, stream

    seen: set[int] = set()
    for measure in score.recurse().getElementsByClass(stream.Measure):
        # The ABC reader puts the *same* TimeSignature object in two measures (around short
        # pickup bars), and the MIDI writer then refuses to add it twice to its tempo track.
        for signature in list(measure.getElementsByClass(meter.TimeSignature)):
            if id(signature) in seen:
                measure.replace(signature, copy.deepcopy(signature))
            seen.add(id(signature))
        # The MIDI writer expands repeats: it fails on unbalanced ones (common in generated
        # tunes) and takes up to a minute on long tunes. Play the notes as written instead,
        # like abc_to_waveform does.
        if isinstance(measure.leftBarline, bar.Repeat):
            measure.leftBarline = None
        if isinstance(measure.rightBarline, bar.Repeat):
            measure.rightBarline = bar.Barline("regular")


def abc_to_midi(abc: str) -> bytes:
    """Convert one ABC tune to the bytes of a standard MIDI file (raises InvalidSongError).

    Repeats are played once, as in :func:`abc_to_waveform`.
    """
    score = _parse(abc)
    from music21.midi.translate import streamToMidiFile

    try:
        with _quiet():
            _prepare_for_midi(score)
            return streamToMidiFile(score).writestr()
    except Exception as err:
        raise _invalid(f"music21 could not turn it into MIDI ({type(err).__name__}: {err}).") from err


# ----------------------------------------------------------------------------- audio


def _note_events(score: Any) -> list[tuple[float, float, tuple[float, ...]]]:
    """(start s, duration s, frequencies Hz) of each note or chord as written, at the first tempo."""
    from music21 import harmony, tempo

    flat = score.flatten()
    mark = flat.getElementsByClass(tempo.MetronomeMark).first()
    qpm = (mark.getQuarterBPM() if mark is not None else None) or _DEFAULT_QPM
    seconds_per_quarter = 60.0 / qpm
    events: list[tuple[float, float, tuple[float, ...]]] = []
    for element in flat.notes:
        # Chord symbols ("Am") are annotations, and grace notes have no duration of their own.
        if isinstance(element, harmony.Harmony) or element.quarterLength <= 0:
            continue
        start = float(element.offset) * seconds_per_quarter
        length = float(element.quarterLength) * seconds_per_quarter
        freqs = tuple(p.frequency for p in element.pitches)
        # A tie continues the previous note rather than plucking again. (music21's
        # stripTies() does this too, but deep-copies the tune: seconds for long tunes.)
        if element.tie is not None and element.tie.type != "start" and events:
            prev_start, prev_length, prev_freqs = events[-1]
            if prev_freqs == freqs and abs(prev_start + prev_length - start) < 1e-6:
                events[-1] = (prev_start, prev_length + length, freqs)
                continue
        events.append((start, length, freqs))
    return events


def _pluck(freq: float, seconds: float, sample_rate: int) -> np.ndarray:
    """A plucked-string-like tone: a few harmonics that die away, with soft attack and release."""
    import numpy as np

    release = 0.05
    t = np.arange(int((seconds + release) * sample_rate)) / sample_rate
    tone = np.zeros_like(t)
    for k, amp in enumerate((1.0, 0.5, 0.3, 0.15), start=1):
        if k * freq < sample_rate / 2:  # harmonics above Nyquist would alias into noise
            tone += amp * np.exp(-(2.0 + 1.5 * k) * t) * np.sin(2 * np.pi * k * freq * t)
    envelope = np.minimum(1.0, t / 0.005)  # 5 ms attack: no click at the note's start
    envelope *= np.clip((seconds + release - t) / release, 0.0, 1.0)  # fade out after note-off
    return tone * envelope


def abc_to_waveform(abc: str, sample_rate: int = 16000, max_seconds: float | None = 30.0) -> np.ndarray:
    """Render one ABC tune to mono float32 audio in [-1, 1] (raises InvalidSongError).

    The tempo is the tune's ``Q:`` field, else quarter note = 120; repeats are played once.
    The result lasts the tune's length plus a short ring-out, cut at ``max_seconds``.
    """
    import numpy as np

    if sample_rate <= 0:
        raise ValueError(f"sample_rate must be positive, got {sample_rate}")
    if max_seconds is not None and max_seconds <= 0:
        raise ValueError(f"max_seconds must be positive or None, got {max_seconds}")
    events = _note_events(_parse(abc))
    if not events:
        raise _invalid("it contains no notes with a duration.")
    end = max(start + length for start, length, _ in events) + 0.3
    if max_seconds is not None:
        end = min(end, max_seconds)
    audio = np.zeros(int(np.ceil(end * sample_rate)), dtype=np.float64)
    for start, length, freqs in events:
        first = int(start * sample_rate)
        if first >= len(audio):
            continue
        for freq in freqs:
            tone = _pluck(freq, length, sample_rate)[: len(audio) - first]
            audio[first : first + len(tone)] += tone / np.sqrt(len(freqs))
    fade = min(len(audio), int(0.02 * sample_rate))  # no click if max_seconds cut a note
    audio[len(audio) - fade :] *= np.linspace(1.0, 0.0, fade)
    peak = np.max(np.abs(audio))
    if peak > 0:
        audio *= 0.9 / peak  # the same loudness for every tune, with headroom
    return audio.astype(np.float32)


def play_song(abc: str, sample_rate: int = 16000, max_seconds: float | None = 30.0) -> Audio | None:
    """Return an IPython Audio player for one ABC tune.

    If the text is not a playable tune, print why and return None instead of raising, so a
    notebook cell that plays several generated songs keeps going. Under tests and grading
    (``COURSE_LABS_QUICK``, see :mod:`course_utils.settings`) at most the first
    ``QUICK_AUDIO_SECONDS`` are rendered: nobody listens there, and 30 s of audio is a
    megabyte in every graded notebook.
    """
    from .settings import is_quick

    if is_quick():
        max_seconds = QUICK_AUDIO_SECONDS if max_seconds is None else min(max_seconds, QUICK_AUDIO_SECONDS)
    if not isinstance(abc, str):
        print(f"play_song expects one song (a str), got {type(abc).__name__}; e.g. play_song(songs[0]).")
        return None
    try:
        audio = abc_to_waveform(abc, sample_rate=sample_rate, max_seconds=max_seconds)
    except InvalidSongError as err:
        print(err)
        return None
    from IPython.display import Audio

    return Audio(audio, rate=sample_rate)
