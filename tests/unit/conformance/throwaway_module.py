"""A throwaway module for test_option_rules.py: one option guarded by the collection's rule (retries), one not
(wait, given to a command as it comes). Not part of the collection."""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dualstack.redis.plugins.module_utils import _checks as checks


def main():
    module = AnsibleModule(argument_spec=dict(wait=dict(type="int", default=1), retries=dict(type="int", default=1)))
    problem = checks.count(module.params["retries"], "retries", 0, 10)
    if problem:
        module.fail_json(msg=problem)
    rc, _out, err = module.run_command(["sleep", str(module.params["wait"])])
    module.exit_json(changed=False, rc=rc, err=err)
