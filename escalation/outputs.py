"""Writing output files safely: validated up front, written atomically, cleaned up on failure.

Every file the package writes (``--json``, ``--csv``, ``--graphml``, figures) goes through this
module, so every output option follows one set of rules:

- The path must name a regular file or a new file in an existing, writable directory. An empty
  path, a directory, a missing parent, a symbolic link, a named pipe (FIFO), a device or a socket
  is refused with an :class:`OutputError` naming the path as the user gave it.
- A read-only file is refused unless ``force=True``; it is never ``chmod``-ed.
- The data go to a temporary file beside the target, are flushed to disk (``fsync``) and then
  renamed over the target (``os.replace``), so readers see the old file or the new one, never half
  of one. The temporary file is removed on any error, including ``KeyboardInterrupt``, and error
  messages never name it.
- A replaced file keeps its permission bits (and owner and group where the process may set
  them); a new file gets the mode the umask gives (``0o666 & ~umask``), as ``open`` would.
- With ``allow_special=True`` a symbolic link, FIFO or character device is written *through*,
  in place and not atomically, as a shell redirection would (``/dev/stdout``, a named pipe,
  ``results/latest.json -> runs/7.json``). Sockets and block devices are always refused.

``-`` (standard output) is the command line's business, not this module's: a command checks
:func:`is_stdout` first, so every option uses the same rule.

A leaf module: it imports only the standard library and :mod:`escalation.errors`.
"""

from __future__ import annotations

import errno as _errno
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from .errors import EscalationError

__all__ = [
    "FILE_SUFFIXES",
    "OutputError",
    "atomic_path",
    "check_output_dir",
    "check_output_file",
    "is_stdout",
    "write_bytes",
    "write_text",
]

PathLike = str | os.PathLike[str]

#: Suffixes that mark a name as a file, not a directory, for :func:`check_output_dir`.
FILE_SUFFIXES: frozenset[str] = frozenset({
    ".png", ".svg", ".svgz", ".pdf", ".eps", ".ps", ".pgf", ".jpg", ".jpeg", ".tif", ".tiff",
    ".webp", ".gif", ".bmp", ".raw", ".rgba", ".json", ".csv", ".tsv", ".txt", ".yaml", ".yml",
    ".graphml", ".dot", ".gv", ".html", ".md",
})

# Longest file name most file systems accept, in bytes (NAME_MAX on Linux and macOS).
_NAME_MAX = 255
# mkstemp adds 8 random characters from [a-z0-9_].
_RANDOM_CHARS = 8
# Errors that mean "the device is full", whatever was being written at the time.
_NO_SPACE = frozenset({_errno.ENOSPC, getattr(_errno, "EDQUOT", _errno.ENOSPC)})


class OutputError(EscalationError, ValueError):
    """An output file cannot be written where the user asked.

    The message is one line: the path as the user gave it, what was expected and what was
    found, e.g. ``out/odds.json: expected an existing directory 'out', found no such directory``.
    It never names a temporary file.

    Parameters
    ----------
    path : str or os.PathLike
        The path the user gave.
    expected, found : str
        What the path should have been and what it was.
    reason : str
        A short code a command line can key a hint on: ``"empty"``, ``"directory"``,
        ``"missing-parent"``, ``"parent-not-directory"``, ``"parent-not-writable"``,
        ``"symlink"``, ``"fifo"``, ``"char-device"``, ``"block-device"``, ``"socket"``,
        ``"special"``, ``"read-only"``, ``"file-name"`` (a file name where a directory was
        expected), ``"file"`` (an existing file where a directory was expected), ``"no-space"``
        or ``"os-error"``.
    errno : int or None
        The operating system's error number, where one caused this error.

    Attributes
    ----------
    path : str
        The path as given (decoded with :func:`os.fsdecode`).
    expected, found, reason, errno
        As passed.
    """

    def __init__(self, path: PathLike, *, expected: str, found: str, reason: str,
                 errno: int | None = None) -> None:
        self.path = os.fsdecode(path)
        self.expected = expected
        self.found = found
        self.reason = reason
        self.errno = errno
        super().__init__(f"{_show(self.path)}: expected {expected}, found {found}")


class _Target(NamedTuple):
    """What :func:`_inspect` decided about an output path."""

    path: Path        # the path as given
    how: str          # "new", "replace" (atomic) or "through" (in place)
    st: os.stat_result | None  # of the existing regular file for "replace", else None


# --- public API -----------------------------------------------------------------------------
def is_stdout(path: PathLike | None) -> bool:
    """Whether an output option's value means standard output: exactly ``-``.

    Parameters
    ----------
    path : str, os.PathLike or None
        The option's value; None (option not given) is not standard output.

    Returns
    -------
    bool
        True for ``"-"`` (or ``Path("-")``), False for anything else, including ``"./-"``,
        which names a file called ``-``.

    Examples
    --------
    >>> is_stdout("-"), is_stdout("./-"), is_stdout("out.json"), is_stdout(None)
    (True, False, False, False)
    """
    if path is None:
        return False
    return os.fsdecode(path) == "-"


def check_output_file(path: PathLike, *, allow_special: bool = False, force: bool = False) -> Path:
    """Check that ``path`` can be written, before doing any work that produces its content.

    Nothing is created or changed. :func:`write_text`, :func:`write_bytes` and
    :func:`atomic_path` make the same checks again when they write.

    Parameters
    ----------
    path : str or os.PathLike
        The output path as the user gave it. ``-`` is an ordinary file name here; check
        :func:`is_stdout` first.
    allow_special : bool
        Accept a symbolic link, FIFO or character device, to be written through in place.
    force : bool
        Accept an existing read-only file, to be replaced (its mode is kept, never changed).

    Returns
    -------
    Path
        ``Path(path)``, unchanged (not resolved).

    Raises
    ------
    OutputError
        If the path is empty or ends in a separator; its parent directory is missing, not a
        directory or not writable; it is a directory, socket or block device; it is a symbolic
        link, FIFO or character device and ``allow_special`` is false; it is a read-only file
        and ``force`` is false.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> check_output_file(d / "odds.json") == d / "odds.json"
    True
    >>> check_output_file(d / "missing" / "odds.json")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    escalation.outputs.OutputError: ...odds.json: expected an existing directory '...', found no such directory
    >>> d.rmdir()
    """
    return _inspect(path, allow_special=allow_special, force=force).path


def check_output_dir(path: PathLike, *, purpose: str = "", create: bool = True,
                     file_suffixes: frozenset[str] = FILE_SUFFIXES) -> Path:
    """Check that ``path`` is, or can become, a directory to write files into; create it.

    Parameters
    ----------
    path : str or os.PathLike
        The directory as the user gave it. A name that does not exist yet and ends in a file
        suffix (``figures/a.png``) is taken as a mistake, unless written with a trailing
        separator (``figures/a.png/``).
    purpose : str
        Words put after "expected a directory" in messages, e.g. ``"for --kind all"``.
    create : bool
        Create the directory (and missing parents) when it does not exist.
    file_suffixes : frozenset of str
        Lower-case suffixes, with the dot, that mark a name as a file; default
        :data:`FILE_SUFFIXES`.

    Returns
    -------
    Path
        ``Path(path)``.

    Raises
    ------
    OutputError
        If the path is empty, names an existing file (or a dangling link), is a new name with a
        file suffix, is not writable, or cannot be created.

    Examples
    --------
    >>> import shutil, tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> check_output_dir(d / "figures").is_dir()
    True
    >>> check_output_dir(d / "a.png", purpose="for --kind all")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    escalation.outputs.OutputError: .../a.png: expected a directory for --kind all, found a file name with suffix '.png'
    >>> shutil.rmtree(d)
    """
    text = os.fsdecode(path)
    want = "a directory" + (f" {purpose}" if purpose else "")
    if text == "":
        raise OutputError(text, expected=want, found="an empty path", reason="empty")
    target = Path(text)
    try:
        st = os.stat(text)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _from_os_error(text, exc, expected=want) from exc
    if st is not None:
        if not stat.S_ISDIR(st.st_mode):
            raise OutputError(text, expected=want, found=_kind(st.st_mode)[0], reason="file")
        if not os.access(text, os.W_OK | os.X_OK):
            raise OutputError(text, expected=f"a writable {want[2:]}", found="no permission to create files in it",
                              reason="parent-not-writable")
        return target
    if os.path.lexists(text):
        raise OutputError(text, expected=want, found=f"a dangling symbolic link to {_link_target(text)!r}",
                          reason="symlink")
    explicit_dir = text.endswith(os.sep) or (os.altsep is not None and text.endswith(os.altsep))
    if not explicit_dir and target.suffix.lower() in file_suffixes:
        raise OutputError(text, expected=want, found=f"a file name with suffix {target.suffix!r}",
                          reason="file-name")
    if create:
        try:
            os.makedirs(text, exist_ok=True)
        except OSError as exc:
            raise _from_os_error(text, exc, expected=f"to create {want}") from exc
    return target


def write_bytes(path: PathLike, data: bytes, *, allow_special: bool = False, force: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically (or through a special file, if allowed).

    Parameters
    ----------
    path : str or os.PathLike
        Output path, checked as by :func:`check_output_file`.
    data : bytes-like
        The whole content.
    allow_special : bool
        Write through a symbolic link, FIFO or character device in place instead of refusing.
    force : bool
        Replace a read-only file (keeping its mode) instead of refusing.

    Returns
    -------
    Path
        ``Path(path)``.

    Raises
    ------
    OutputError
        For every refusal of :func:`check_output_file`, and when writing fails (disk full,
        quota, I/O error); the temporary file is removed first.

    Notes
    -----
    The temporary file is ``.<name>.<random>.tmp`` in the target's directory, so the final
    ``os.replace`` stays on one file system. The data and the temporary file are
    ``fsync``-ed before the rename, the directory after it.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_bytes(Path(d) / "blob.bin", b"\\x00\\x01").read_bytes()
    b'\\x00\\x01'
    """
    view = memoryview(data).cast("B")
    target = _inspect(path, allow_special=allow_special, force=force)
    if target.how == "through":
        _write_through(target.path, view)
        return target.path
    name = target.path.name
    fd, tmp = _mkstemp(target.path, prefix=_fit(f".{name}.", ".tmp"), suffix=".tmp")
    try:
        try:
            _write_all(fd, view)
            os.fsync(fd)
        finally:
            os.close(fd)
        _commit(Path(tmp), target)
    except OSError as exc:
        _unlink_quietly(tmp)
        raise _from_os_error(target.path, exc, expected=f"to write {_n_bytes(len(view))}") from exc
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return target.path


def write_text(path: PathLike, text: str, *, encoding: str = "utf-8", allow_special: bool = False,
               force: bool = False) -> Path:
    """Write ``text`` to ``path`` atomically (or through a special file, if allowed).

    The text is encoded as given: no newline translation, so it reads back byte for byte.

    Parameters
    ----------
    path : str or os.PathLike
        Output path, checked as by :func:`check_output_file`.
    text : str
        The whole content.
    encoding : str
        Text encoding.
    allow_special, force : bool
        As for :func:`write_bytes`.

    Returns
    -------
    Path
        ``Path(path)``.

    Raises
    ------
    OutputError
        As for :func:`write_bytes`.
    UnicodeEncodeError
        If ``text`` cannot be encoded; nothing is written.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     out = write_text(Path(d) / "odds.json", '{"p": 0.25}\\n')
    ...     out.name, out.read_text()
    ('odds.json', '{"p": 0.25}\\n')
    """
    return write_bytes(path, text.encode(encoding), allow_special=allow_special, force=force)


@contextmanager
def atomic_path(path: PathLike, *, allow_special: bool = False, force: bool = False) -> Iterator[Path]:
    """A temporary file name to write to, renamed onto ``path`` when the block succeeds.

    For writers that want a file name rather than bytes: matplotlib's ``savefig``,
    networkx's ``write_graphml``.

    Parameters
    ----------
    path : str or os.PathLike
        Output path, checked as by :func:`check_output_file` on entry and again on exit.
    allow_special, force : bool
        As for :func:`write_bytes`. A special target gets a temporary file in the system's
        temporary directory, copied through to it when the block ends.

    Yields
    ------
    Path
        An empty temporary file with the same suffix as ``path`` (writers such as ``savefig``
        choose the format from it), in the same directory for an ordinary target.

    Raises
    ------
    OutputError
        For every refusal of :func:`check_output_file`; when the block leaves no file at the
        temporary path; when an ``OSError`` raised in the block concerns the temporary file or
        a full disk; when the rename fails. Any other exception from the block passes through
        unchanged. The temporary file is removed in every case, ``KeyboardInterrupt`` included,
        and the target is left as it was.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     with atomic_path(Path(d) / "fig.svg") as tmp:
    ...         _ = tmp.write_text("<svg/>")
    ...         tmp.suffix
    ...     (Path(d) / "fig.svg").read_text(), sorted(p.name for p in Path(d).iterdir())
    '.svg'
    ('<svg/>', ['fig.svg'])
    """
    target = _inspect(path, allow_special=allow_special, force=force)
    prefix, suffix = _suffix_keeping_affixes(target.path.name)
    beside = target.how != "through"  # a special file's directory (/dev) may not be writable
    fd, tmp_name = _mkstemp(target.path, prefix=prefix, suffix=suffix, beside=beside)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        try:
            yield tmp
        except OSError as exc:
            if _concerns(exc, tmp_name):
                raise _from_os_error(target.path, exc, expected="to write the file") from exc
            raise
        if not tmp.is_file():
            raise OutputError(target.path, expected="the writer to leave a file to move into place",
                              found="no file", reason="os-error")
        # Checked again: the block may have run for a long time.
        final = _inspect(path, allow_special=allow_special, force=force)
        if final.how == "through":
            _write_through(final.path, memoryview(tmp.read_bytes()))
        elif not beside:  # the special file became a regular one meanwhile
            write_bytes(final.path, tmp.read_bytes(), allow_special=allow_special, force=force)
        else:
            try:
                with open(tmp, "rb") as f:
                    os.fsync(f.fileno())
                _commit(tmp, final)
            except OSError as exc:
                raise _from_os_error(final.path, exc, expected="to move the finished file into place") from exc
    finally:
        _unlink_quietly(tmp_name)


# --- checks ---------------------------------------------------------------------------------
def _inspect(path: PathLike, *, allow_special: bool, force: bool) -> _Target:
    """Classify ``path`` as a new file, a file to replace or a special file to write through."""
    text = os.fsdecode(path)
    if text == "":
        raise OutputError(text, expected="a file name", found="an empty path", reason="empty")
    target = Path(text)
    try:
        lst = os.lstat(text)
    except FileNotFoundError:
        lst = None
    except OSError as exc:  # ENOTDIR (a parent is a file), ENAMETOOLONG, ELOOP, EACCES
        if exc.errno == _errno.ENOTDIR:
            _check_parent(target)  # names the parent that is not a directory
        raise _from_os_error(text, exc, expected="a path that can be looked up") from exc

    if lst is None:
        if text.endswith(os.sep) or (os.altsep is not None and text.endswith(os.altsep)):
            raise OutputError(text, expected="a file name", found="a path ending in a separator, naming a directory",
                              reason="directory")
        _check_parent(target)
        return _Target(target, "new", None)

    mode = lst.st_mode
    if stat.S_ISREG(mode):
        _check_writable(text, lst, force=force)
        _check_parent(target)
        return _Target(target, "replace", lst)
    if stat.S_ISDIR(mode):
        raise OutputError(text, expected="a file name", found="a directory", reason="directory")
    if stat.S_ISLNK(mode):
        link = _link_target(text)
        if not allow_special:
            raise OutputError(text, expected="a regular file or a new file name",
                              found=f"a symbolic link to {link!r}", reason="symlink")
        try:
            st = os.stat(text)
        except FileNotFoundError:
            return _Target(target, "through", None)  # a dangling link: writing creates its target
        except OSError as exc:
            raise _from_os_error(text, exc, expected="a symbolic link that resolves") from exc
        if stat.S_ISDIR(st.st_mode):
            raise OutputError(text, expected="a file name", found=f"a symbolic link to a directory {link!r}",
                              reason="directory")
        if stat.S_ISREG(st.st_mode):
            _check_writable(text, st, force=force)
            return _Target(target, "through", None)
        mode = st.st_mode  # a link to a FIFO or device: judged as that below
    if (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)) and allow_special:
        return _Target(target, "through", None)
    found, reason = _kind(mode)
    raise OutputError(text, expected="a regular file or a new file name", found=found, reason=reason)


def _check_parent(target: Path) -> None:
    """Refuse a target whose directory is missing, not a directory or not writable."""
    parent = target.parent
    shown = os.fspath(parent)
    try:
        st = os.stat(parent)
    except FileNotFoundError as exc:
        raise OutputError(target, expected=f"an existing directory {shown!r}", found="no such directory",
                          reason="missing-parent", errno=exc.errno) from None
    except NotADirectoryError as exc:
        # Some ancestor is a file; name the nearest one that exists.
        ancestor = parent
        for ancestor in parent.parents:
            if ancestor.exists() or os.path.lexists(ancestor):
                break
        raise OutputError(target, expected=f"an existing directory {shown!r}",
                          found=f"{os.fspath(ancestor)!r} is not a directory", reason="parent-not-directory",
                          errno=exc.errno) from None
    except OSError as exc:
        raise _from_os_error(target, exc, expected=f"a directory {shown!r} that can be looked up") from exc
    if not stat.S_ISDIR(st.st_mode):
        raise OutputError(target, expected=f"{shown!r} to be a directory", found=_kind(st.st_mode)[0],
                          reason="parent-not-directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(target, expected=f"a writable directory {shown!r}",
                          found="no permission to create files in it", reason="parent-not-writable")


def _check_writable(text: str, st: os.stat_result, *, force: bool) -> None:
    """Refuse a file without write permission unless ``force``.

    The mode bits are tested as well as :func:`os.access`, because for root ``os.access``
    says yes to every file.
    """
    if force:
        return
    bits = stat.S_IMODE(st.st_mode)
    if not bits & 0o222:
        raise OutputError(text, expected="a writable file", found=f"a read-only file (mode {bits:04o})",
                          reason="read-only")
    if not os.access(text, os.W_OK):
        raise OutputError(text, expected="a writable file",
                          found=f"a file this user may not write (mode {bits:04o}, owner uid {st.st_uid})",
                          reason="read-only")


_KINDS = (
    (stat.S_ISREG, "a file", "file"), (stat.S_ISDIR, "a directory", "directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)", "fifo"), (stat.S_ISCHR, "a character device", "char-device"),
    (stat.S_ISBLK, "a block device", "block-device"), (stat.S_ISSOCK, "a socket", "socket"),
    (stat.S_ISLNK, "a symbolic link", "symlink"),
)


def _kind(mode: int) -> tuple[str, str]:
    """What a file of this mode is, for a message, and the matching :attr:`OutputError.reason`."""
    for test, found, reason in _KINDS:
        if test(mode):
            return found, reason
    return f"a special file (mode {mode:o})", "special"


def _link_target(text: str) -> str:
    try:
        return os.readlink(text)
    except OSError:  # gone or unreadable since lstat; the message just says less
        return "?"


# --- writing --------------------------------------------------------------------------------
def _mkstemp(target: Path, *, prefix: str, suffix: str, beside: bool = True) -> tuple[int, str]:
    """``tempfile.mkstemp`` beside ``target``, or in the system temporary directory."""
    directory = os.fspath(target.parent) if beside else None
    try:
        return tempfile.mkstemp(dir=directory, prefix=prefix, suffix=suffix)
    except OSError as exc:
        where = f"a temporary file in {directory!r}" if beside else "a file in the system temporary directory"
        raise _from_os_error(target, exc, expected=f"to create {where}") from exc


def _fit(prefix: str, suffix: str) -> str:
    """Shorten ``prefix`` so that prefix + random + suffix fits in one file name."""
    budget = _NAME_MAX - _RANDOM_CHARS - len(os.fsencode(suffix))
    while len(os.fsencode(prefix)) > budget:
        prefix = prefix[:-2] + prefix[-1]  # keep the trailing separator
    return prefix


def _suffix_keeping_affixes(name: str) -> tuple[str, str]:
    """``mkstemp`` prefix and suffix whose name has the same ``Path.suffix`` as ``name``.

    ``fig.png`` gives ``.fig.png.<random>.tmp.png``; a name without a suffix gives one with
    no dot after the first character (``.data-<random>-tmp``), so it has no suffix either.
    """
    ext = Path(name).suffix
    if ext:
        tail = ".tmp" + ext
        return _fit(f".{name}.", tail), tail
    stem = name.lstrip(".").replace(".", "_") or "out"
    return _fit(f".{stem}-", "-tmp"), "-tmp"


def _write_all(fd: int, view: memoryview) -> None:
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _write_through(target: Path, view: memoryview) -> None:
    """Write in place through a link, FIFO or device, as ``>`` in a shell would."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    except OSError as exc:
        raise _from_os_error(target, exc, expected="to open the file for writing") from exc
    try:
        _write_all(fd, view)
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.fsync(fd)
    except OSError as exc:
        raise _from_os_error(target, exc, expected=f"to write {_n_bytes(len(view))}") from exc
    finally:
        os.close(fd)


def _commit(tmp: Path, target: _Target) -> None:
    """Give ``tmp`` the target's mode (and owner) and rename it over the target."""
    if target.st is not None:
        st = target.st
        if (st.st_uid, st.st_gid) != (os.getuid(), os.getgid()) and hasattr(os, "chown"):
            for uid in (st.st_uid, -1):  # the group alone may still be allowed
                try:
                    os.chown(tmp, uid, st.st_gid)
                    break
                except PermissionError:
                    continue
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
    else:
        os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, target.path)
    _fsync_dir(target.path.parent)


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable; best effort, as not every file system can sync a directory."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # e.g. EINVAL on file systems without directory fsync; the data are safe
        pass
    finally:
        os.close(fd)


def _umask() -> int:
    """The process umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # no other way to read it; set it straight back
    os.umask(mask)
    return mask


def _unlink_quietly(name: str) -> None:
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass


# --- messages -------------------------------------------------------------------------------
def _show(text: str) -> str:
    """The path for a one-line message: as given, or quoted when empty or unprintable."""
    return text if text and text.isprintable() else repr(text)


def _n_bytes(n: int) -> str:
    return "1 byte" if n == 1 else f"{n:,} bytes"


def _concerns(exc: OSError, tmp_name: str) -> bool:
    """Whether an error raised by a writer is about our temporary file or a full disk."""
    names = {os.fsdecode(n) for n in (exc.filename, exc.filename2) if n is not None}
    return tmp_name in names or exc.errno in _NO_SPACE


def _from_os_error(path: PathLike, exc: OSError, *, expected: str) -> OutputError:
    """An :class:`OutputError` for ``path`` from an ``OSError``, never naming a temporary file."""
    code = exc.errno
    name = _errno.errorcode.get(code, str(code)) if code is not None else "no errno"
    strerror = exc.strerror or type(exc).__name__
    found = f"{strerror[:1].lower()}{strerror[1:]} ({name})"
    if code == _errno.EISDIR:
        reason = "directory"
    elif code in _NO_SPACE:
        reason = "no-space"
    else:
        reason = "os-error"
    return OutputError(path, expected=expected, found=found, reason=reason, errno=code)
