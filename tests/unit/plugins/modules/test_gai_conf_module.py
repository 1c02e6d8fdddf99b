"""The gai_conf module end to end on a real temporary file: idempotence, check/diff mode, backup, errors."""

import os

import pytest

from ansible_collections.dualstack.redis.plugins.module_utils import _gai_conf as gc
from ansible_collections.dualstack.redis.plugins.modules import gai_conf


@pytest.fixture
def conf(tmp_path, monkeypatch):
    monkeypatch.setattr(gai_conf, "is_musl", lambda: False)
    path = tmp_path / "gai.conf"
    path.write_text("# site settings\nreload no\n")
    os.chmod(path, 0o640)
    return path


def test_prefer_ipv4_writes_full_table_then_is_idempotent(conf, run_in_process):
    failed, result = run_in_process(gai_conf, {"path": str(conf), "prefer": "ipv4"})
    assert not failed and result["changed"] and result["written"]
    text = conf.read_text()
    assert text.startswith("# site settings\nreload no\n")
    assert gc.BLOCK_BEGIN in text
    assert {r["prefix"]: r["precedence"] for r in result["precedence"]} == {
        "::1/128": 50, "::/0": 40, "2002::/16": 30, "::/96": 20, "::ffff:0:0/96": 100}
    assert oct(os.stat(conf).st_mode & 0o777) == "0o640"  # mode kept
    failed, again = run_in_process(gai_conf, {"path": str(conf), "prefer": "ipv4"})
    assert not failed and not again["changed"] and not again["written"]
    assert conf.read_text() == text


def test_check_mode_changes_nothing_and_diff_shows_the_change(conf, run_in_process):
    before = conf.read_text()
    failed, result = run_in_process(gai_conf, {"path": str(conf), "networks": [{"prefix": "172.31.0.0/16"}],
                                               "_ansible_check_mode": True, "_ansible_diff": True})
    assert not failed and result["changed"] and not result["written"]
    assert conf.read_text() == before
    assert result["diff"]["before"] == before
    assert "precedence ::ffff:172.31.0.0/112" in " ".join(result["diff"]["after"].split())


def test_check_mode_on_missing_file_creates_nothing(tmp_path, run_in_process, monkeypatch):
    monkeypatch.setattr(gai_conf, "is_musl", lambda: False)
    path = tmp_path / "gai.conf"
    failed, result = run_in_process(gai_conf, {"path": str(path), "prefer": "ipv4", "_ansible_check_mode": True})
    assert not failed and result["changed"]
    assert not path.exists()


def test_backup_and_absent_restore_original(conf, run_in_process):
    original = conf.read_text()
    failed, result = run_in_process(gai_conf, {"path": str(conf), "prefer": "ipv4", "backup": True})
    assert not failed and result["backup_file"]
    assert open(result["backup_file"]).read() == original
    failed, result = run_in_process(gai_conf, {"path": str(conf), "state": "absent"})
    assert not failed and result["changed"]
    assert conf.read_text() == original
    failed, result = run_in_process(gai_conf, {"path": str(conf), "state": "absent"})
    assert not failed and not result["changed"]


def test_system_without_networks_on_missing_file_writes_nothing(tmp_path, run_in_process, monkeypatch):
    monkeypatch.setattr(gai_conf, "is_musl", lambda: False)
    path = tmp_path / "gai.conf"
    failed, result = run_in_process(gai_conf, {"path": str(path)})
    assert not failed and not result["changed"]
    assert not path.exists()
    assert result["precedence"][0] == {"prefix": "::1/128", "precedence": 50}


@pytest.mark.parametrize(
    "args, message",
    [
        ({"networks": [{"prefix": "::ffff:172.31.0.0:0/112"}]},
         "networks[0].prefix '::ffff:172.31.0.0:0/112' is not an IPv6 prefix; for 172.31.0.0/16 write '172.31.0.0/16' or '::ffff:172.31.0.0/112'"),
        ({"networks": [{"prefix": "10.0.0.0/8", "precedence": 101}]}, "networks[0].precedence 101 is outside 0..100"),
        ({"networks": [{"prefix": "172.31.0.0/112"}]}, "networks[0].prefix '172.31.0.0/112' is an IPv4 network with an IPv6 prefix length"),
        ({"networks": [{"prefix": "172.31.1.0/16"}]}, "has host bits set; the network is '172.31.0.0/16'"),
        ({"state": "absent", "networks": [{"prefix": "10.0.0.0/8"}]}, "networks is only used with state=present"),
        ({"state": "absent", "reload": False}, "reload is only used with state=present"),
    ],
)
def test_bad_input_fails_before_the_file_is_touched(conf, run_in_process, args, message):
    before = conf.read_text()
    mtime = os.stat(conf).st_mtime_ns
    failed, result = run_in_process(gai_conf, dict(args, path=str(conf)))
    assert failed
    assert message in result["msg"]
    assert conf.read_text() == before and os.stat(conf).st_mtime_ns == mtime


def test_musl_fails_clearly_unless_allowed(conf, run_in_process, monkeypatch):
    monkeypatch.setattr(gai_conf, "is_musl", lambda: True)
    failed, result = run_in_process(gai_conf, {"path": str(conf), "prefer": "ipv4"})
    assert failed and "musl" in result["msg"] and "allow_non_glibc" in result["msg"]
    assert gc.BLOCK_BEGIN not in conf.read_text()
    failed, result = run_in_process(gai_conf, {"path": str(conf), "prefer": "ipv4", "allow_non_glibc": True})
    assert not failed and result["changed"]


def test_warns_about_lines_glibc_ignores(conf, run_in_process):
    conf.write_text("precendence ::ffff:0:0/96 100\nlabel ::ffff:172.31.0.0/112 8\n")
    failed, result = run_in_process(gai_conf, {"path": str(conf), "prefer": "ipv4"})
    assert not failed
    assert any("did you mean 'precedence'?" in w for w in result["warnings"])
    assert any("label 8 for the IPv4 network 172.31.0.0/16" in w for w in result["warnings"])


def test_broken_markers_fail_without_writing(conf, run_in_process):
    conf.write_text(gc.BLOCK_BEGIN + "\nprecedence ::/0 40\n")
    failed, result = run_in_process(gai_conf, {"path": str(conf), "prefer": "ipv4"})
    assert failed and "marker lines in the wrong shape" in result["msg"]
    assert conf.read_text() == gc.BLOCK_BEGIN + "\nprecedence ::/0 40\n"


def test_directory_path_fails(tmp_path, run_in_process, monkeypatch):
    monkeypatch.setattr(gai_conf, "is_musl", lambda: False)
    failed, result = run_in_process(gai_conf, {"path": str(tmp_path), "prefer": "ipv4"})
    assert failed and "is a directory" in result["msg"]


# --- issue 13: refuse before writing; keep every byte; results that are always JSON ------------------

def untouched(path, data, stat_before):
    after = os.stat(path)
    return path.read_bytes() == data and (after.st_mtime_ns, after.st_ino) == (stat_before.st_mtime_ns, stat_before.st_ino)


@pytest.mark.parametrize("args, message", [
    ({"owner": "nosuchuser-dsr"}, "owner 'nosuchuser-dsr' does not exist on this host"),
    ({"group": "nosuchgroup-dsr"}, "group 'nosuchgroup-dsr' does not exist on this host"),
    ({"mode": "rw-r--r--"}, "mode 'rw-r--r--' is neither octal"),
    ({"mode": "0999"}, "mode '0999' is neither octal"),
    ({"networks": [{"prefix": "10.0.0.0/\u00b2"}]}, "has an invalid prefix length"),
])
@pytest.mark.parametrize("check_mode", [False, True], ids=["real", "check"])
def test_bad_file_options_fail_before_any_write(conf, run_in_process, args, message, check_mode):
    data, stat_before = conf.read_bytes(), os.stat(conf)
    failed, result = run_in_process(gai_conf, dict(args, path=str(conf), prefer="ipv4", _ansible_check_mode=check_mode))
    assert failed and message in result["msg"] and result["changed"] is False
    assert untouched(conf, data, stat_before)
    assert [p.name for p in conf.parent.iterdir()] == ["gai.conf"]  # no temporary file left


@pytest.mark.parametrize("path, message", [
    ("", "path is empty; give the absolute path of the file"),
    ("relative/gai.conf", "path relative/gai.conf is relative; give an absolute path"),
    ("/nonexistent-dsr-dir/gai.conf", "directory /nonexistent-dsr-dir does not exist"),
])
def test_bad_paths_are_messages(run_in_process, monkeypatch, tmp_path, path, message):
    monkeypatch.setattr(gai_conf, "is_musl", lambda: False)
    monkeypatch.chdir(tmp_path)
    failed, result = run_in_process(gai_conf, {"path": path, "prefer": "ipv4"})
    assert failed and message in result["msg"]
    assert list(tmp_path.iterdir()) == []


def test_unwritable_directory_is_a_message_and_nothing_changes(conf, run_in_process, monkeypatch):
    """As root no directory is read-only to us, so the write is refused the way a read-only mount refuses it."""
    import errno
    import tempfile

    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    data, stat_before = conf.read_bytes(), os.stat(conf)
    failed, result = run_in_process(gai_conf, {"path": str(conf), "prefer": "ipv4"})
    assert failed and result["changed"] is False
    assert result["msg"] == "cannot write %s: Read-only file system; nothing was changed" % conf
    assert untouched(conf, data, stat_before)


@pytest.mark.parametrize("data", [
    b"# site settings\r\nreload no\r\n",                 # CRLF
    b"# site settings\nreload no",                       # no final newline
    b"# caf\xe9 in Latin-1\nreload no\n",                # not UTF-8
    b"# a form feed\x0cprecedence ::ffff:0:0/96 100\n",  # not a line end for glibc
    "# a line separator\u2028precedence ::1/128 10\n".encode("utf-8"),
    b"",
])
@pytest.mark.parametrize("check_mode", [False, True], ids=["real", "check"])
def test_nothing_managed_means_nothing_changed_byte_for_byte(conf, run_in_process, data, check_mode):
    conf.write_bytes(data)
    stat_before = os.stat(conf)
    failed, result = run_in_process(gai_conf, {"path": str(conf), "prefer": "system", "_ansible_check_mode": check_mode,
                                               "_ansible_diff": True})
    assert not failed and not result["changed"], result
    assert untouched(conf, data, stat_before)
    # Only \n ends a line: neither text after a form feed nor after U+2028 is a precedence row.
    assert {r["prefix"]: r["precedence"] for r in result["precedence"]}["::ffff:0:0/96"] == 10


@pytest.mark.parametrize("data", [b"# caf\xe9\r\nreload no\r\n", b"# caf\xe9\nreload no"])
def test_managed_block_keeps_every_other_byte(conf, run_in_process, data):
    conf.write_bytes(data)
    failed, result = run_in_process(gai_conf, {"path": str(conf), "prefer": "ipv4", "_ansible_diff": True})
    assert not failed and result["changed"]
    written = conf.read_bytes()
    assert written.startswith(data) and written.endswith(b"# END dualstack.redis.gai_conf\n")
    assert "caf\ufffd" in result["diff"]["before"]  # the result is JSON: the byte shows as U+FFFD
    failed, again = run_in_process(gai_conf, {"path": str(conf), "prefer": "ipv4"})
    assert not failed and not again["changed"]
    failed, removed = run_in_process(gai_conf, {"path": str(conf), "state": "absent"})
    # The line the block was appended after got its newline and keeps it.
    assert not failed and removed["changed"] and conf.read_bytes() == (data if data.endswith(b"\n") else data + b"\n")


def test_symlink_is_followed_and_stays_a_link(conf, run_in_process, tmp_path):
    link = tmp_path / "link.conf"
    link.symlink_to(conf)
    failed, result = run_in_process(gai_conf, {"path": str(link), "prefer": "ipv4"})
    assert not failed and result["changed"] and result["path"] == str(link)
    assert link.is_symlink() and os.readlink(link) == str(conf)
    assert gc.BLOCK_BEGIN in conf.read_text()


def test_new_file_is_world_readable_under_umask_077(tmp_path, run_in_process, monkeypatch):
    monkeypatch.setattr(gai_conf, "is_musl", lambda: False)
    path = tmp_path / "gai.conf"
    old = os.umask(0o077)
    try:
        failed, result = run_in_process(gai_conf, {"path": str(path), "prefer": "ipv4"})
    finally:
        os.umask(old)
    assert not failed and result["changed"]
    assert oct(os.stat(path).st_mode & 0o777) == "0o644"


def test_user_mode_wins_over_the_new_file_mode(tmp_path, run_in_process, monkeypatch):
    monkeypatch.setattr(gai_conf, "is_musl", lambda: False)
    path = tmp_path / "gai.conf"
    failed, result = run_in_process(gai_conf, {"path": str(path), "prefer": "ipv4", "mode": "0640"})
    assert not failed and oct(os.stat(path).st_mode & 0o777) == "0o640"


def test_a_junk_file_gives_a_bounded_number_of_warnings(conf, run_in_process):
    conf.write_text("".join("precendence ::ffff:0:0/96 %d\n" % i for i in range(100000)))
    failed, result = run_in_process(gai_conf, {"path": str(conf), "prefer": "system", "_ansible_diff": True})
    assert not failed and not result["changed"]
    assert len(result["warnings"]) == gai_conf.MAX_WARNINGS + 1
    assert result["warnings"][-1] == "gai.conf: %d more lines like these are not listed" % (100000 - gai_conf.MAX_WARNINGS)
    assert result["diff"]["before"].startswith("(") and "not shown" in result["diff"]["before"]


def test_reload_alone_writes_a_block_with_only_reload_yes_and_reports_it(conf, run_in_process):
    """The fixture's own 'reload no' is disabled, the block holds 'reload yes'; unset again, the file is as it was."""
    original = conf.read_text()
    failed, result = run_in_process(gai_conf, {"path": str(conf), "reload": True, "_ansible_diff": True})
    assert not failed and result["changed"] and result["reload"] is True
    assert result["changes"] == ["disabled line 2, which the managed block replaces: reload no"]
    text = conf.read_text()
    assert text.endswith(gc.BLOCK_BEGIN + "\nreload yes\n" + gc.BLOCK_END + "\n") and "precedence" not in text
    assert result["precedence"][0] == {"prefix": "::1/128", "precedence": 50}  # glibc's table still in force
    failed, again = run_in_process(gai_conf, {"path": str(conf), "reload": True})
    assert not failed and not again["changed"]
    failed, back = run_in_process(gai_conf, {"path": str(conf)})
    assert not failed and back["changed"] and back["reload"] is False and conf.read_text() == original


def test_reload_false_turns_off_a_reload_yes_of_the_file(tmp_path, run_in_process, monkeypatch):
    monkeypatch.setattr(gai_conf, "is_musl", lambda: False)
    path = tmp_path / "gai.conf"
    path.write_text("reload yes\n")
    failed, result = run_in_process(gai_conf, {"path": str(path), "prefer": "ipv4", "reload": False})
    assert not failed and result["changed"] and result["reload"] is False
    assert path.read_text().startswith(gc.DISABLED_MARK + "reload yes\n")


def test_a_mode_change_alone_is_changed_but_not_content(conf, run_in_process):
    """What follows a change in the role (restarts) keys on content_changed/written, not on a chmod."""
    failed, first = run_in_process(gai_conf, {"path": str(conf), "prefer": "ipv4"})
    assert not failed and first["content_changed"] and first["written"]
    failed, result = run_in_process(gai_conf, {"path": str(conf), "prefer": "ipv4", "mode": "0644"})
    assert not failed and result["changed"] and not result["content_changed"] and not result["written"]
    assert oct(os.stat(conf).st_mode & 0o777) == "0o644"
    failed, predicted = run_in_process(gai_conf, {"path": str(conf), "prefer": "ipv6", "_ansible_check_mode": True})
    assert not failed and predicted["content_changed"] and not predicted["written"]
