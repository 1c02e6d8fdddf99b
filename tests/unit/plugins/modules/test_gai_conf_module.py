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
    assert not failed and result["changed"]
    text = conf.read_text()
    assert text.startswith("# site settings\nreload no\n")
    assert gc.BLOCK_BEGIN in text
    assert {r["prefix"]: r["precedence"] for r in result["precedence"]} == {
        "::1/128": 50, "::/0": 40, "2002::/16": 30, "::/96": 20, "::ffff:0:0/96": 100}
    assert oct(os.stat(conf).st_mode & 0o777) == "0o640"  # mode kept
    failed, again = run_in_process(gai_conf, {"path": str(conf), "prefer": "ipv4"})
    assert not failed and not again["changed"]
    assert conf.read_text() == text


def test_check_mode_changes_nothing_and_diff_shows_the_change(conf, run_in_process):
    before = conf.read_text()
    failed, result = run_in_process(gai_conf, {"path": str(conf), "networks": [{"prefix": "172.31.0.0/16"}],
                                               "_ansible_check_mode": True, "_ansible_diff": True})
    assert not failed and result["changed"]
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
