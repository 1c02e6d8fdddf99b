"""resolver_processes_info: its options are checked before /proc is read (issue 29)."""

import pytest

from ansible_collections.dualstack.redis.plugins.modules import resolver_processes_info


@pytest.mark.parametrize("since", ["nan", "inf", "-inf", -1, 1e300])
def test_a_since_that_is_no_moment_is_refused_before_proc_is_read(run_in_process, monkeypatch, since):
    """``since: nan`` listed every process as started before NaN; a moment must be finite, from 0 to year 9999."""
    read = []
    monkeypatch.setattr(resolver_processes_info.procs, "scan", lambda *args, **kwargs: read.append(args) or {})
    failed, result = run_in_process(resolver_processes_info, {"since": since})
    assert failed and result["msg"].startswith("since must be a moment in seconds since the epoch"), result
    assert read == []


def test_a_real_moment_lists_the_processes_started_before_it(run_in_process):
    """The floor: this test's own process started after the epoch and before now, so with since now it may be
    listed, and with since 0 nothing is."""
    failed, result = run_in_process(resolver_processes_info, {"since": 0})
    assert not failed and result["since"] == 0 and result["count"] == 0, result
