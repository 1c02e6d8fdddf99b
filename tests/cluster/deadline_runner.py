"""Run one module's main() in this process and print {"result": ..., "took": seconds} as JSON: how long the module
itself took, without ansible's start-up (test_deadlines.py runs this in a namespace whose resolver never answers).

    python deadline_runner.py MODULE_NAME 'JSON_ARGS'
"""

import importlib
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

import module_runs  # noqa: E402
from collection_tree import link_checkout  # noqa: E402

link_checkout("dualstack-redis-deadline-")


def main():
    module = importlib.import_module("ansible_collections.dualstack.redis.plugins.modules." + sys.argv[1])
    started = time.monotonic()
    failed, result = module_runs.run_in_process(module, json.loads(sys.argv[2]))
    took = time.monotonic() - started
    print(json.dumps({"result": dict(result, failed=failed), "took": took}))
    sys.stdout.flush()
    os._exit(0)  # the lookups left behind in daemon threads are not waited for


if __name__ == "__main__":
    main()
