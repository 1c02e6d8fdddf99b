"""Benchmark: the gai_conf module and the protocol_preference role against a plain ping, same hosts, same run.

30 inventory hosts over the local connection, each with its own gai.conf (a copy of Debian's). Each
round runs, one after the other: ping, gai_conf on fresh files (converge), ping, gai_conf again
(re-run, nothing to change), ping, the role again (re-run). The medians of whole ansible-playbook
runs are compared with the median ping, and the ratios printed against their targets:
converge <= 1.5x ping, re-run <= 1.3x ping, role re-run <= 1.25x ping (issue 26). Exit status 1 when a target is
missed.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HOSTS = 30
TARGETS = {"gai_conf converge": 1.5, "gai_conf re-run": 1.3, "role re-run": 1.25}
DEBIAN_GAI_CONF = "# Configuration for getaddrinfo(3).\n#precedence ::ffff:0:0/96  100\n#scopev4 ::ffff:0.0.0.0/96       14\n"

PLAYS = {
    "ping.yml": """
- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.ping:
""",
    "gai.yml": """
- hosts: all
  gather_facts: false
  tasks:
    - dualstack.redis.gai_conf:
        path: "{{ gai_path }}"
        networks:
          - prefix: 172.31.0.0/16
""",
    "role.yml": """
- hosts: all
  gather_facts: false
  roles:
    - role: dualstack.redis.protocol_preference
      vars:
        protocol_preference_gai_conf_path: "{{ gai_path }}"
        protocol_preference_networks:
          - prefix: 172.31.0.0/16
""",
}


def setup(work):
    lines = ["[all]"]
    for index in range(1, HOSTS + 1):
        host = "bench%02d" % index
        os.makedirs(os.path.join(work, host))
        lines.append("%s gai_path=%s/%s/gai.conf" % (host, work, host))
    lines += ["[all:vars]", "ansible_connection=local", "ansible_python_interpreter=%s" % sys.executable]
    with open(os.path.join(work, "inventory"), "w") as handle:
        handle.write("\n".join(lines) + "\n")
    for name, text in PLAYS.items():
        with open(os.path.join(work, name), "w") as handle:
            handle.write(text)


def reset(work):
    for index in range(1, HOSTS + 1):
        with open(os.path.join(work, "bench%02d" % index, "gai.conf"), "w") as handle:
            handle.write(DEBIAN_GAI_CONF)


def run(work, play, forks):
    start = time.perf_counter()
    proc = subprocess.run(
        ["ansible-playbook", "-i", os.path.join(work, "inventory"), "--forks", str(forks), os.path.join(work, play)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit("%s failed:\n%s" % (play, proc.stdout[-3000:]))
    changed = proc.stdout.count("changed: [")
    return elapsed, changed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--forks", type=int, default=10)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="dualstack-bench-")
    times = {"ping": [], "gai_conf converge": [], "gai_conf re-run": [], "role re-run": []}
    try:
        setup(work)
        run(work, "ping.yml", args.forks)  # warm-up: caches, bytecode
        for _round in range(args.rounds):
            times["ping"].append(run(work, "ping.yml", args.forks)[0])
            reset(work)
            elapsed, changed = run(work, "gai.yml", args.forks)
            if changed != HOSTS:
                sys.exit("converge changed %d of %d hosts" % (changed, HOSTS))
            times["gai_conf converge"].append(elapsed)
            times["ping"].append(run(work, "ping.yml", args.forks)[0])
            elapsed, changed = run(work, "gai.yml", args.forks)
            if changed:
                sys.exit("re-run changed %d hosts; it must change none" % changed)
            times["gai_conf re-run"].append(elapsed)
            times["ping"].append(run(work, "ping.yml", args.forks)[0])
            elapsed, changed = run(work, "role.yml", args.forks)
            if changed:
                sys.exit("role re-run changed %d hosts; it must change none" % changed)
            times["role re-run"].append(elapsed)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    floor = statistics.median(times["ping"])
    print("gai_conf benchmark: %d hosts, local connection, %d forks, %d rounds (median of whole playbook runs)" % (HOSTS, args.forks, args.rounds))
    print("  %-20s %8.2fs   (floor)" % ("ping", floor))
    missed = 0
    for name, target in TARGETS.items():
        median = statistics.median(times[name])
        ratio = median / floor
        verdict = "ok" if ratio <= target else "OVER TARGET"
        missed += ratio > target
        print("  %-20s %8.2fs   %.2fx ping   (target <= %.2fx)  %s" % (name, median, ratio, target, verdict))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
