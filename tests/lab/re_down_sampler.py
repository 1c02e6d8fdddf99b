"""Watch a Redis Enterprise stand-in cluster from outside Ansible: every INTERVAL seconds, which nodes are out (not OK
by tests/standins/redis_enterprise/re_standin.py's own rule, no heartbeat for DOWN_AFTER seconds, in this sample and
the one before: a heartbeat late once on a loaded machine is not a node out), until STOP exists or DURATION seconds
passed. Writes the samples as JSON ({"samples": [[t, [down ids]]...], "most_down": N, "when": t}) to
OUT. The internal_address_concurrent scenario runs it beside two runs of the playbook: at no moment may two nodes be
out.

    python3 re_down_sampler.py STATE_JSON OUT STOP_FILE [INTERVAL] [DURATION]
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "standins", "redis_enterprise"))

from re_standin import DOWN_AFTER  # noqa: E402


def down_nodes(state_path):
    try:
        with open(state_path) as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None   # being rewritten: the next sample reads it
    now = time.time()
    return sorted(int(node) for node in data["nodes"] if now - data["last_seen"].get(node, 0) >= DOWN_AFTER)


def main(argv):
    state_path, out_path, stop_path = argv[:3]
    interval = float(argv[3]) if len(argv) > 3 else 0.5
    duration = float(argv[4]) if len(argv) > 4 else 900
    samples = []
    previous = []
    started = time.monotonic()
    while not os.path.exists(stop_path) and time.monotonic() - started < duration:
        down = down_nodes(state_path)
        if down is not None:
            samples.append([round(time.monotonic() - started, 2), [node for node in down if node in previous]])
            previous = down
        time.sleep(interval)
    worst = max(samples, key=lambda sample: len(sample[1])) if samples else [0, []]
    with open(out_path, "w") as handle:
        json.dump({"samples": samples, "most_down": len(worst[1]), "when": worst[0], "down_then": worst[1],
                   "count": len(samples)}, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
