"""escalation.outputs: refusals name the user's path, writes are atomic and leave nothing behind."""

from __future__ import annotations

import errno
import os
import socket
import stat
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalation.errors import EscalationError
from escalation.outputs import (
    OutputError,
    atomic_path,
    check_output_dir,
    check_output_file,
    is_stdout,
    write_bytes,
    write_text,
)

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


# --- helpers ----------------------------------------------------------------------------------
def listing(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))


def assert_one_line_naming(exc: OutputError, path: Path | str) -> str:
    """The message is one line, starts with the user's path, says expected/found, no temp name."""
    msg = str(exc)
    shown = os.fspath(path) or "''"
    assert "\n" not in msg
    assert msg.startswith(f"{shown}: expected "), msg
    assert ", found " in msg
    assert ".tmp" not in msg and "-tmp" not in msg
    name = Path(os.fspath(path)).name
    if name:
        assert f".{name}." not in msg
    return msg


def write_via_text(path: Path, **kw) -> object:
    return write_text(path, "new\n", **kw)


def write_via_bytes(path: Path, **kw) -> object:
    return write_bytes(path, b"new\n", **kw)


def write_via_atomic_path(path: Path, **kw) -> object:
    with atomic_path(path, **kw) as tmp:
        tmp.write_text("new\n")
    return path


WRITERS: list[Callable[..., object]] = [check_output_file, write_via_text, write_via_bytes, write_via_atomic_path]


@contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@contextmanager
def fifo_reader(fifo: Path) -> Iterator[list[bytes]]:
    """Read everything written to ``fifo`` in a thread; the list holds the bytes once done."""
    got: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as f:
            got.append(f.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    try:
        yield got
    finally:
        if thread.is_alive() and not got:
            # Nothing was written (the test failed): release the reader's blocking open.
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass
        thread.join(timeout=10)
        assert not thread.is_alive()


# --- is_stdout --------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "expected"), [
    ("-", True), (Path("-"), True), ("./-", False), ("--", False), (" -", False), ("", False),
    ("out.json", False), (None, False),
])
def test_is_stdout_is_true_exactly_for_a_dash(value, expected):
    assert is_stdout(value) is expected


# --- the error type ---------------------------------------------------------------------------
def test_output_error_is_an_escalation_error_and_a_value_error(tmp_path):
    with pytest.raises(OutputError) as info:
        check_output_file(tmp_path)
    assert isinstance(info.value, EscalationError) and isinstance(info.value, ValueError)
    assert info.value.path == str(tmp_path)
    assert info.value.reason == "directory"
    assert info.value.expected == "a file name" and info.value.found == "a directory"


# --- refusals ---------------------------------------------------------------------------------
@pytest.mark.parametrize("writer", WRITERS, ids=lambda w: w.__name__)
def test_a_symlink_is_refused_and_left_alone(tmp_path, writer):
    real = tmp_path / "real.json"
    real.write_text("old\n")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    before = listing(tmp_path)
    with pytest.raises(OutputError, match="found a symbolic link to") as info:
        writer(link)
    assert info.value.reason == "symlink"
    assert repr(str(real)) in assert_one_line_naming(info.value, link)
    assert listing(tmp_path) == before
    assert link.is_symlink() and real.read_text() == "old\n"


@pytest.mark.parametrize("writer", WRITERS, ids=lambda w: w.__name__)
def test_a_fifo_is_refused_and_left_alone(tmp_path, writer):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    before = listing(tmp_path)
    with pytest.raises(OutputError, match=r"found a named pipe \(FIFO\)") as info:
        writer(fifo)
    assert info.value.reason == "fifo"
    assert_one_line_naming(info.value, fifo)
    assert listing(tmp_path) == before
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.parametrize("writer", WRITERS, ids=lambda w: w.__name__)
@pytest.mark.parametrize("device", ["/dev/null", "/dev/full"])
def test_a_character_device_is_refused_and_left_alone(device, writer):
    if not stat.S_ISCHR(os.lstat(device).st_mode):
        pytest.skip(f"{device} is not a character device here")
    before = listing(Path("/dev"))
    with pytest.raises(OutputError, match="found a character device") as info:
        writer(Path(device))
    assert info.value.reason == "char-device"
    assert_one_line_naming(info.value, device)
    assert listing(Path("/dev")) == before
    assert stat.S_ISCHR(os.lstat(device).st_mode)


@pytest.mark.parametrize("writer", WRITERS, ids=lambda w: w.__name__)
def test_a_socket_is_refused_even_with_allow_special(tmp_path, writer):
    path = tmp_path / "s.sock"
    if len(os.fsencode(path)) > 100:
        pytest.skip("temporary directory too deep for an AF_UNIX socket path")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(os.fspath(path))
        with pytest.raises(OutputError, match="found a socket") as info:
            writer(path, allow_special=True)
    assert info.value.reason == "socket"
    assert_one_line_naming(info.value, path)
    assert listing(tmp_path) == ["s.sock"]


@pytest.mark.parametrize("writer", WRITERS, ids=lambda w: w.__name__)
def test_a_directory_is_refused(tmp_path, writer):
    target = tmp_path / "a_directory"
    target.mkdir()
    with pytest.raises(OutputError, match="expected a file name, found a directory$") as info:
        writer(target)
    assert_one_line_naming(info.value, target)
    assert listing(tmp_path) == ["a_directory"] and listing(target) == []


@pytest.mark.parametrize("writer", WRITERS, ids=lambda w: w.__name__)
def test_a_symlink_to_a_directory_is_refused_even_with_allow_special(tmp_path, writer):
    (tmp_path / "d").mkdir()
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "d")
    with pytest.raises(OutputError, match="found a symbolic link to a directory") as info:
        writer(link, allow_special=True)
    assert_one_line_naming(info.value, link)
    assert listing(tmp_path) == ["d", "link"] and listing(tmp_path / "d") == []


@pytest.mark.parametrize("writer", WRITERS, ids=lambda w: w.__name__)
@pytest.mark.parametrize("empty", ["", Path("")], ids=["str", "Path"])
def test_an_empty_path_is_refused(tmp_path, monkeypatch, writer, empty):
    monkeypatch.chdir(tmp_path)
    if isinstance(empty, Path):  # Path("") is Path("."), the current directory
        with pytest.raises(OutputError, match=r"^\.: expected a file name, found a directory$"):
            writer(empty)
    else:
        with pytest.raises(OutputError, match=r"^'': expected a file name, found an empty path$") as info:
            writer(empty)
        assert info.value.reason == "empty"
    assert listing(tmp_path) == []


@pytest.mark.parametrize("writer", WRITERS, ids=lambda w: w.__name__)
def test_a_trailing_separator_is_refused(tmp_path, writer):
    target = os.fspath(tmp_path / "out.json") + os.sep
    with pytest.raises(OutputError, match="found a path ending in a separator") as info:
        writer(target)
    assert_one_line_naming(info.value, target)
    assert listing(tmp_path) == []


@pytest.mark.parametrize("writer", WRITERS, ids=lambda w: w.__name__)
def test_a_missing_parent_is_refused_not_created(tmp_path, writer):
    target = tmp_path / "missing" / "out.json"
    with pytest.raises(OutputError) as info:
        writer(target)
    msg = assert_one_line_naming(info.value, target)
    assert msg.endswith(f"expected an existing directory {str(tmp_path / 'missing')!r}, found no such directory")
    assert info.value.reason == "missing-parent"
    assert listing(tmp_path) == []


@pytest.mark.parametrize("writer", WRITERS, ids=lambda w: w.__name__)
@pytest.mark.parametrize("depth", [1, 2])
def test_a_parent_that_is_a_file_is_refused(tmp_path, writer, depth):
    (tmp_path / "file").write_text("x")
    target = tmp_path / "file" / "sub" / "out.json" if depth == 2 else tmp_path / "file" / "out.json"
    with pytest.raises(OutputError) as info:
        writer(target)
    msg = assert_one_line_naming(info.value, target)
    assert info.value.reason == "parent-not-directory"
    assert "a file" in msg or f"{str(tmp_path / 'file')!r} is not a directory" in msg
    assert listing(tmp_path) == ["file"]


@pytest.mark.parametrize("writer", WRITERS, ids=lambda w: w.__name__)
def test_an_unwritable_parent_is_refused(tmp_path, monkeypatch, writer):
    # Root passes every permission check, so the answer of os.access is simulated.
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: os.fspath(p) != str(tmp_path) and real_access(p, mode))
    target = tmp_path / "out.json"
    with pytest.raises(OutputError, match="expected a writable directory") as info:
        writer(target)
    assert info.value.reason == "parent-not-writable"
    assert_one_line_naming(info.value, target)
    assert listing(tmp_path) == []


@pytest.mark.parametrize("writer", WRITERS, ids=lambda w: w.__name__)
def test_a_read_only_file_is_refused_and_untouched(tmp_path, writer):
    target = tmp_path / "ro.json"
    target.write_text("old\n")
    target.chmod(0o444)
    before = os.stat(target)
    with pytest.raises(OutputError, match=r"expected a writable file, found a read-only file \(mode 0444\)") as info:
        writer(target)
    assert info.value.reason == "read-only"
    assert_one_line_naming(info.value, target)
    after = os.stat(target)
    assert target.read_text() == "old\n"
    assert (after.st_ino, after.st_mode, after.st_mtime_ns) == (before.st_ino, before.st_mode, before.st_mtime_ns)
    assert listing(tmp_path) == ["ro.json"]


@pytest.mark.parametrize("writer", WRITERS[1:], ids=lambda w: w.__name__)
def test_force_replaces_a_read_only_file_and_keeps_it_read_only(tmp_path, writer):
    target = tmp_path / "ro.json"
    target.write_text("old\n")
    target.chmod(0o444)
    writer(target, force=True)
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o444
    assert listing(tmp_path) == ["ro.json"]


def test_an_unprintable_path_is_quoted_so_the_message_stays_one_line(tmp_path):
    target = tmp_path / "missing\n" / "out.json"
    with pytest.raises(OutputError) as info:
        write_text(target, "x")
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith(repr(str(target)) + ": expected an existing directory")


# --- atomic writes ----------------------------------------------------------------------------
def test_write_text_creates_a_file_with_the_umask_mode(tmp_path):
    target = tmp_path / "new.json"
    with umask(0o027):
        assert write_text(target, "hello\n") == target
    assert target.read_text() == "hello\n"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    assert listing(tmp_path) == ["new.json"]


def test_write_text_in_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert write_text("rel.csv", "a,b\n") == Path("rel.csv")
    assert (tmp_path / "rel.csv").read_text() == "a,b\n" and listing(tmp_path) == ["rel.csv"]


@pytest.mark.parametrize("writer", WRITERS[1:], ids=lambda w: w.__name__)
@pytest.mark.parametrize("mode", [0o640, 0o600, 0o664, 0o755])
def test_overwrite_keeps_the_existing_mode(tmp_path, writer, mode):
    target = tmp_path / "out.json"
    target.write_text("old\n")
    target.chmod(mode)
    old_inode = os.stat(target).st_ino
    with umask(0o077):
        writer(target)
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(os.stat(target).st_mode) == mode
    assert os.stat(target).st_ino != old_inode  # replaced by rename, not rewritten in place
    assert listing(tmp_path) == ["out.json"]


@pytest.mark.skipif(not IS_ROOT, reason="only root may give a file to another user")
def test_overwrite_keeps_the_owner_where_allowed(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old\n")
    os.chown(target, 1234, 4321)
    write_text(target, "new\n")
    st_ = os.stat(target)
    assert (st_.st_uid, st_.st_gid) == (1234, 4321)


def test_a_long_file_name_still_fits_its_temporary_name(tmp_path):
    target = tmp_path / ("x" * 250 + ".json")
    write_text(target, "ok")
    with atomic_path(target) as tmp:
        assert tmp.suffix == ".json"
        tmp.write_text("ok2")
    assert target.read_text() == "ok2" and listing(tmp_path) == [target.name]


def _fail_fsync(exc: BaseException) -> Callable[[int], None]:
    def fsync(fd: int) -> None:
        raise exc
    return fsync


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT, errno.EIO])
def test_a_failed_write_names_the_path_and_leaves_the_old_file(tmp_path, monkeypatch, code):
    target = tmp_path / "out.json"
    target.write_text("old\n")
    monkeypatch.setattr(os, "fsync", _fail_fsync(OSError(code, os.strerror(code))))
    with pytest.raises(OutputError) as info:
        write_text(target, "new\n" * 100)
    msg = assert_one_line_naming(info.value, target)
    assert msg.endswith(f"expected to write 400 bytes, found {os.strerror(code).lower()} ({errno.errorcode[code]})")
    assert info.value.errno == code
    assert info.value.reason == ("os-error" if code == errno.EIO else "no-space")
    assert isinstance(info.value.__cause__, OSError)
    assert target.read_text() == "old\n" and listing(tmp_path) == ["out.json"]


def test_keyboard_interrupt_in_write_text_removes_the_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "out.json"
    target.write_text("old\n")
    monkeypatch.setattr(os, "fsync", _fail_fsync(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        write_text(target, "new\n")
    assert target.read_text() == "old\n" and listing(tmp_path) == ["out.json"]


def test_unencodable_text_writes_nothing(tmp_path):
    with pytest.raises(UnicodeEncodeError):
        write_text(tmp_path / "out.txt", "caf\u00e9", encoding="ascii")
    assert listing(tmp_path) == []


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(), encoding=st.sampled_from(["utf-8", "utf-16", "utf-32"]))
def test_any_text_round_trips(tmp_path, text, encoding):
    target = tmp_path / "round.txt"
    write_text(target, text, encoding=encoding)
    assert target.read_bytes().decode(encoding) == text  # read_text would translate "\r"
    assert listing(tmp_path) == ["round.txt"]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary())
def test_any_bytes_round_trip(tmp_path, data):
    target = tmp_path / "round.bin"
    write_bytes(target, data)
    assert target.read_bytes() == data
    assert listing(tmp_path) == ["round.bin"]


# --- atomic_path ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["fig.png", "graph.graphml", "a.tar.gz", "noext", ".hidden", "a.", "x.y.pdf"])
def test_atomic_path_keeps_the_suffix_and_the_directory(tmp_path, name):
    target = tmp_path / name
    with atomic_path(target) as tmp:
        assert tmp.suffix == target.suffix
        assert tmp.parent == tmp_path and tmp.name != name and tmp.is_file()
        tmp.write_bytes(b"data")
    assert target.read_bytes() == b"data" and listing(tmp_path) == [name]


def test_atomic_path_new_file_gets_the_umask_mode_and_an_old_one_keeps_its_mode(tmp_path):
    new, old = tmp_path / "new.svg", tmp_path / "old.svg"
    old.write_text("x")
    old.chmod(0o640)
    with umask(0o022):
        for target in (new, old):
            with atomic_path(target) as tmp:
                tmp.write_text("y")
    assert stat.S_IMODE(os.stat(new).st_mode) == 0o644
    assert stat.S_IMODE(os.stat(old).st_mode) == 0o640


def test_keyboard_interrupt_in_atomic_path_leaves_the_original_and_no_temporary_file(tmp_path):
    target = tmp_path / "fig.png"
    target.write_bytes(b"original")
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half a fig")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"original" and listing(tmp_path) == ["fig.png"]


def test_other_exceptions_pass_through_atomic_path_unchanged(tmp_path):
    target = tmp_path / "fig.png"
    with pytest.raises(RuntimeError, match="^writer bug$"):
        with atomic_path(target):
            raise RuntimeError("writer bug")
    assert listing(tmp_path) == []


def test_a_writer_error_about_the_temporary_file_names_the_target(tmp_path):
    target = tmp_path / "fig.png"
    with pytest.raises(OutputError) as info:
        with atomic_path(target) as tmp:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp))
    msg = assert_one_line_naming(info.value, target)
    assert msg.endswith("(ENOSPC)") and info.value.reason == "no-space"
    assert listing(tmp_path) == []


def test_an_unrelated_os_error_in_the_block_passes_through(tmp_path):
    with pytest.raises(FileNotFoundError):
        with atomic_path(tmp_path / "fig.png"):
            open(tmp_path / "some-font-file")  # noqa: SIM115
    assert listing(tmp_path) == []


def test_a_writer_that_leaves_no_file_is_an_error(tmp_path):
    target = tmp_path / "fig.png"
    with pytest.raises(OutputError, match="found no file$") as info:
        with atomic_path(target) as tmp:
            tmp.unlink()
    assert_one_line_naming(info.value, target)
    assert listing(tmp_path) == []


def test_atomic_path_checks_again_when_the_block_ends(tmp_path):
    target = tmp_path / "fig.png"
    with pytest.raises(OutputError, match="found a directory"):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"x")
            target.mkdir()  # something else took the name meanwhile
    assert listing(tmp_path) == ["fig.png"] and target.is_dir()


def test_atomic_path_with_matplotlib_savefig(tmp_path):
    from matplotlib.figure import Figure

    fig = Figure()
    fig.add_subplot().plot([0, 1], [0, 1])
    target = tmp_path / "odds.svg"
    with atomic_path(target) as tmp:
        fig.savefig(tmp)  # the format comes from the suffix
    assert "<svg" in target.read_text() and listing(tmp_path) == ["odds.svg"]


def test_atomic_path_with_networkx_write_graphml(tmp_path):
    import networkx as nx

    target = tmp_path / "chain.graphml"
    with atomic_path(target) as tmp:
        nx.write_graphml(nx.path_graph(3), tmp)
    assert nx.read_graphml(target).number_of_nodes() == 3
    assert listing(tmp_path) == ["chain.graphml"]


# --- allow_special: writing through -----------------------------------------------------------
@pytest.mark.parametrize("writer", WRITERS[1:], ids=lambda w: w.__name__)
def test_allow_special_writes_through_a_fifo(tmp_path, writer):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with fifo_reader(fifo) as got:
        writer(fifo, allow_special=True)
    assert got == [b"new\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and listing(tmp_path) == ["pipe.json"]


@pytest.mark.parametrize("writer", WRITERS[1:], ids=lambda w: w.__name__)
def test_allow_special_writes_through_a_symlink_to_its_target(tmp_path, writer):
    real = tmp_path / "runs" / "7.json"
    real.parent.mkdir()
    real.write_text("old old old\n")
    real.chmod(0o640)
    link = tmp_path / "latest.json"
    link.symlink_to(Path("runs") / "7.json")
    assert check_output_file(link, allow_special=True) == link
    writer(link, allow_special=True)
    assert link.is_symlink() and os.readlink(link) == os.path.join("runs", "7.json")
    assert real.read_text() == "new\n"
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o640
    assert listing(tmp_path) == ["latest.json", "runs"] and listing(real.parent) == ["7.json"]


def test_allow_special_through_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "latest.json"
    link.symlink_to(tmp_path / "new.json")
    write_text(link, "new\n", allow_special=True)
    assert link.is_symlink() and (tmp_path / "new.json").read_text() == "new\n"


def test_allow_special_still_refuses_a_read_only_symlink_target(tmp_path):
    real = tmp_path / "ro.json"
    real.write_text("old\n")
    real.chmod(0o444)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    with pytest.raises(OutputError, match="found a read-only file"):
        write_text(link, "new\n", allow_special=True)
    assert real.read_text() == "old\n"


def test_allow_special_writes_to_dev_null():
    assert write_text("/dev/null", "discarded\n", allow_special=True) == Path("/dev/null")
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


@pytest.mark.parametrize("writer", WRITERS[1:], ids=lambda w: w.__name__)
@pytest.mark.parametrize("via_link", [False, True], ids=["device", "symlink"])
def test_a_full_device_gives_a_clean_output_error(tmp_path, writer, via_link):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    target = Path("/dev/full")
    if via_link:
        target = tmp_path / "full.json"
        target.symlink_to("/dev/full")
    with pytest.raises(OutputError) as info:
        writer(target, allow_special=True)
    msg = assert_one_line_naming(info.value, target)
    assert msg.endswith("found no space left on device (ENOSPC)")
    assert info.value.reason == "no-space" and info.value.errno == errno.ENOSPC
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
    assert listing(tmp_path) == (["full.json"] if via_link else [])


# --- check_output_dir -------------------------------------------------------------------------
def test_check_output_dir_creates_the_directory_and_its_parents(tmp_path):
    out = tmp_path / "figures" / "2025"
    assert check_output_dir(out) == out and out.is_dir()
    assert check_output_dir(out) == out  # an existing directory is fine


def test_check_output_dir_refuses_a_new_name_with_a_file_suffix(tmp_path):
    out = tmp_path / "figs" / "a.png"
    with pytest.raises(OutputError) as info:
        check_output_dir(out, purpose="for --kind all")
    msg = assert_one_line_naming(info.value, out)
    assert msg.endswith("expected a directory for --kind all, found a file name with suffix '.png'")
    assert info.value.reason == "file-name"
    assert listing(tmp_path) == []


@pytest.mark.parametrize("name", ["a.PDF", "b.svg", "c.json"])
def test_check_output_dir_knows_common_file_suffixes(tmp_path, name):
    with pytest.raises(OutputError, match="found a file name with suffix"):
        check_output_dir(tmp_path / name)
    assert listing(tmp_path) == []


def test_check_output_dir_accepts_dotted_directory_names_and_a_trailing_separator(tmp_path):
    assert check_output_dir(tmp_path / "figures.v2").is_dir()
    assert check_output_dir(os.fspath(tmp_path / "a.png") + os.sep).is_dir()
    assert check_output_dir(tmp_path / "a.png").is_dir()  # exists now, so it is a directory
    assert listing(tmp_path) == ["a.png", "figures.v2"]


def test_check_output_dir_refuses_an_existing_file(tmp_path):
    out = tmp_path / "figures"
    out.write_text("x")
    with pytest.raises(OutputError, match="expected a directory for --kind all, found a file$") as info:
        check_output_dir(out, purpose="for --kind all")
    assert_one_line_naming(info.value, out)
    assert info.value.reason == "file" and out.read_text() == "x"


def test_check_output_dir_refuses_a_dangling_symlink_and_an_empty_path(tmp_path):
    link = tmp_path / "figures"
    link.symlink_to(tmp_path / "nowhere")
    with pytest.raises(OutputError, match="found a dangling symbolic link"):
        check_output_dir(link)
    with pytest.raises(OutputError, match=r"^'': expected a directory, found an empty path$"):
        check_output_dir("")
    assert listing(tmp_path) == ["figures"]


def test_check_output_dir_without_create_creates_nothing(tmp_path):
    out = tmp_path / "figures"
    assert check_output_dir(out, create=False) == out
    assert listing(tmp_path) == []


def test_check_output_dir_names_a_parent_that_is_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    out = tmp_path / "file" / "figures"
    with pytest.raises(OutputError) as info:
        check_output_dir(out)
    assert_one_line_naming(info.value, out)
    assert listing(tmp_path) == ["file"]
