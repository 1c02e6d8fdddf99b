#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: elasticache_ip_discovery
short_description: Set the IP discovery family of an ElastiCache replication group or cache cluster
version_added: 0.1.0
description:
  - Reads the C(IpDiscovery) setting of an ElastiCache (Redis OSS or Valkey) replication group, or of a
    cache cluster that is not part of one, and changes it with C(ModifyReplicationGroup) or
    C(ModifyCacheCluster) only when it differs from O(ip_discovery).
  - IP discovery decides which address family the cluster reports to clients in C(CLUSTER SLOTS),
    C(CLUSTER SHARDS) and C(CLUSTER NODES). The change causes no downtime but takes a while to reach every
    node; follow this module with M(dualstack.redis.cluster_ip_discovery) to wait until it has, or use the
    P(dualstack.redis.ip_discovery#role) role, which does both.
  - Refuses, before calling any Modify API, a family the cluster's network type does not allow (C(ipv6) on an
    C(ipv4) network type, C(ipv4) on an C(ipv6) one), because the network type is set at creation and cannot change.
  - Refuses, before calling any Modify API and in check mode too, O(ip_discovery=ipv6) on an engine version that
    both AWS sources rule out (Redis OSS before 6.2, Valkey before 7.2, Memcached before 1.6.6), naming the engine,
    the version found and the versions needed. Where only the API reference rules the version out, or where the
    engine or its version cannot be checked, it warns and asks for the change anyway. The notes give the rules.
  - With TLS (in-transit encryption) ElastiCache reports hostnames, and IP discovery has no effect on clients,
    whose resolver decides (see the P(dualstack.redis.protocol_preference#role) role).
author:
  - dualstack.redis maintainers (@dualstack)
requirements:
  - boto3 and botocore 1.34 or later, on the host the module runs on (usually the controller)
extends_documentation_fragment:
  - dualstack.redis._attributes
  - dualstack.redis._attributes.FULL
  - dualstack.redis._aws
attributes:
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: aws
options:
  replication_group_id:
    description: The replication group (cluster-mode enabled or disabled) to change.
    type: str
  cache_cluster_id:
    description:
      - A cache cluster that is not part of a replication group (a single-node Valkey or Redis OSS cluster, or
        Memcached). A member of a replication group is refused with the group's ID.
    type: str
  ip_discovery:
    description: The address family the cluster should report to clients.
    type: str
    required: true
    choices: [ipv4, ipv6]
  apply_immediately:
    description:
      - Apply the change now rather than in the next maintenance window. Leave it on when the next task waits for
        the change to reach the nodes.
      - With V(false) the setting reads as before until the maintenance window, so every run until then asks
        for the change again (and reports changed).
    type: bool
    default: true
  wait:
    description:
      - After a change, wait until the resource reports O(ip_discovery) and the status C(available) again.
      - This is the control-plane view; the nodes' own view is what M(dualstack.redis.cluster_ip_discovery) waits for.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait with O(wait=true), 0 to 86400.
    type: int
    default: 1200
  wait_delay:
    description: Seconds between reads with O(wait=true), 1 to 3600.
    type: int
    default: 15
notes:
  - "Verified: the request and response shapes, with botocore's Stubber against botocore's own ElastiCache service
    model (unit tests), and the whole HTTP round trip through botocore against a stand-in of the ElastiCache query
    API on loopback (the P(dualstack.redis.ip_discovery#role) role's tests). Not verified here: a real AWS account
    (how long propagation takes, IAM policy wording). The IAM actions needed are C(elasticache:DescribeReplicationGroups),
    C(elasticache:ModifyReplicationGroup), C(elasticache:DescribeCacheClusters) (for a replication group too: its engine version is on its member
    clusters) and C(elasticache:ModifyCacheCluster)."
  - "Engine rules, for O(ip_discovery=ipv6) only (V(ipv4) is what every engine reports without IP discovery, and a
    resource that reports V(ipv6) already supports it). Two AWS sources say which engines support IPv6 and IP
    discovery: the user guide page L(Choosing a network type,https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/network-type.html)
    (Valkey 7.2 onward, Redis OSS 6.2 onward, Memcached 1.6.6 onward) and the C(IpDiscovery) parameter in the API
    reference of L(ModifyReplicationGroup,https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ModifyReplicationGroup.html)
    and C(ModifyCacheCluster) (Valkey 7.2 and above, Redis OSS 6.2 to 7.1, Memcached 1.6.6 and above; botocore's
    service model carries the same text)."
  - "Refused (both sources rule it out): Redis OSS before 6.2 (C(5.0.6), C(6.0), C(6.0.5), C(5.x)), Valkey before 7.2,
    Memcached before 1.6.6 (C(1.5.16), C(1.6.2))."
  - "Warned about, then asked for: Redis OSS 7.2 or later (only the API reference rules it out; ElastiCache offers
    Redis OSS up to 7.1, and Valkey from 7.2); a version that does not tell (C(6.x), the old style, stands for
    6.0 as well as 6.2; C(7) for any 7.x); an engine other than C(valkey), C(redis) or C(memcached), or none
    reported; an engine version that is missing or not a version."
  - "Allowed without a word: Valkey 7.2 or later (C(7.2.4), C(8.0)), Redis OSS 6.2 to 7.1 (C(6.2.6), C(7.0.7),
    C(7.1.0), C(7.1)), Memcached 1.6.6 or later (C(1.6.22))."
  - "Where the engine is read: a cache cluster reports C(Engine) and C(EngineVersion); a replication group reports
    C(Engine) but not the version, which the module reads from the first of its C(MemberClusters) with
    C(DescribeCacheClusters) (in check mode too, as it is a read). When that read fails, RV(engine_version) is
    null and the engine rule warns instead of refusing."
  - "The boto3 equivalent: C(client.modify_replication_group(ReplicationGroupId=..., IpDiscovery='ipv6',
    ApplyImmediately=True)) when C(describe_replication_groups()) reports another C(IpDiscovery)."
seealso:
  - module: dualstack.redis.cluster_ip_discovery
  - name: ModifyReplicationGroup
    description: The ElastiCache API call this module makes.
    link: https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ModifyReplicationGroup.html
  - name: Choosing a network type in ElastiCache
    description: The engines and versions that support IPv6 and IP discovery, in the ElastiCache user guide.
    link: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/network-type.html
"""

EXAMPLES = r"""
- name: Make the replication group report IPv6 addresses to cluster clients
  dualstack.redis.elasticache_ip_discovery:
    replication_group_id: orders-cache
    ip_discovery: ipv6
    region: us-east-1
  register: elasticache

- name: Wait until every node reports IPv6 (the nodes' view, not the API's)
  dualstack.redis.cluster_ip_discovery:
    host: "{{ elasticache.replication_group.configuration_endpoint.address }}"
    port: "{{ elasticache.replication_group.configuration_endpoint.port }}"
    family: ipv6
    timeout: 1200
    interval: 10
  when: elasticache is changed

- name: A single-node cluster, with a named profile, waiting for the API to settle
  dualstack.redis.elasticache_ip_discovery:
    cache_cluster_id: sessions-dev
    ip_discovery: ipv4
    profile: staging
    region: eu-west-1
    wait: true

# Under AWX the Amazon Web Services credential sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
# AWS_SECURITY_TOKEN, which the module reads when the task gives no keys.
- name: Through a VPC interface endpoint, with fewer retries and a shorter timeout
  dualstack.redis.elasticache_ip_discovery:
    replication_group_id: orders-cache
    ip_discovery: ipv4
    region: us-east-1
    endpoint_url: https://vpce-0123456789abcdef0-abcdefgh.elasticache.us-east-1.vpce.amazonaws.com
    aws_retries: 2
    aws_timeout: 20
"""

RETURN = r"""
before:
  description: The settings read before any change.
  returned: always
  type: dict
  contains:
    ip_discovery:
      description: V(ipv4) or V(ipv6) (V(ipv4) for resources created before the setting existed).
      type: str
    network_type:
      description: V(ipv4), V(ipv6) or V(dual_stack).
      type: str
    status:
      description: The resource's status.
      type: str
  sample: {ip_discovery: ipv4, network_type: dual_stack, status: available}
after:
  description: The settings after the change (as predicted, in check mode).
  returned: always
  type: dict
  sample: {ip_discovery: ipv6, network_type: dual_stack, status: modifying}
engine:
  description:
    - The engine as the API reports it (V(valkey), V(redis) or V(memcached)); for a replication group that does
      not report it, its member cache cluster's.
    - Null when neither reports one.
  returned: when the resource was read (on a refusal too)
  type: str
  sample: valkey
engine_version:
  description:
    - The engine version of the cache cluster, or of the replication group's first member cache cluster, as the
      API reports it (for example V(7.1.0), V(8.0) or the old style V(6.x)).
    - Null when it could not be read (no member cluster, or the read failed).
  returned: when the resource was read (on a refusal too)
  type: str
  sample: "7.2.4"
replication_group:
  description: The replication group as the last API call returned it, in snake_case.
  returned: when O(replication_group_id) is given
  type: dict
  sample: {replication_group_id: orders-cache, ip_discovery: ipv6, network_type: dual_stack, status: modifying}
cache_cluster:
  description: The cache cluster as the last API call returned it, in snake_case.
  returned: when O(cache_cluster_id) is given
  type: dict
  sample: {cache_cluster_id: sessions-dev, ip_discovery: ipv4, network_type: dual_stack, cache_cluster_status: available}
error:
  description: The AWS API's error, when a call failed with one (the message names it too).
  returned: on failure, when the AWS API answered with an error
  type: dict
  contains:
    code:
      description: The API's error code.
      type: str
    message:
      description: The API's error message.
      type: str
  sample: {code: InvalidReplicationGroupState, message: Replication group must be in available state}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.dualstack.redis.plugins.module_utils import _aws as aws
from ansible_collections.dualstack.redis.plugins.module_utils import _checks as checks
from ansible_collections.dualstack.redis.plugins.module_utils import _elasticache as ec

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # aws.check_library() reports it
    BotoCoreError = ClientError = None


def fail_aws(module, exc, msg, **result):
    """Fail with ``msg: Code: message (HTTP status)`` and, for an API error, ``error``: no traceback."""
    details = aws.error_details(exc)
    if details:
        result["error"] = details
    module.fail_json(msg="%s: %s" % (msg, aws.error_text(exc)), **result)


# The largest wait_timeout and wait_delay (seconds) taken.
MAX_WAIT = 86400
MAX_DELAY = 3600


def main():
    argument_spec = dict(
        replication_group_id=dict(type="str"),
        cache_cluster_id=dict(type="str"),
        ip_discovery=dict(type="str", required=True, choices=["ipv4", "ipv6"]),
        apply_immediately=dict(type="bool", default=True),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=1200),
        wait_delay=dict(type="int", default=15),
    )
    argument_spec.update(aws.argument_spec())
    module = AnsibleModule(
        argument_spec=argument_spec,
        mutually_exclusive=[("replication_group_id", "cache_cluster_id")],
        required_one_of=[("replication_group_id", "cache_cluster_id")],
        supports_check_mode=True,
    )
    params = module.params
    kind = "replication_group" if params["replication_group_id"] else "cache_cluster"
    resource_id = params[kind + "_id"]
    wanted = params["ip_discovery"]
    label = ec.KINDS[kind]["label"]
    if not (resource_id or "").strip():
        module.fail_json(msg="give a non-empty replication_group_id or cache_cluster_id")
    problems = [checks.seconds(params["wait_timeout"], "wait_timeout", 0, MAX_WAIT),
                checks.seconds(params["wait_delay"], "wait_delay", 1, MAX_DELAY), aws.check_params(params)]
    problem = next((problem for problem in problems if problem), None)
    if problem:
        module.fail_json(msg=problem)
    aws.check_library(module)

    try:
        client, region = aws.client(params, "elasticache")
    except aws.AWSSetupError as exc:
        module.fail_json(msg=str(exc))
    try:
        resource = ec.describe(client, kind, resource_id)
    except LookupError:
        module.fail_json(msg="%s %s not found in region %s" % (label, resource_id, region))
    except (ClientError, BotoCoreError) as exc:
        if aws.error_code(exc) == ec.KINDS[kind]["not_found"]:
            module.fail_json(msg="%s %s not found in region %s" % (label, resource_id, region))
        fail_aws(module, exc, "cannot read %s %s" % (label, resource_id))

    version_note = None
    try:
        engine, engine_version, _member = ec.read_engine(client, kind, resource)
    except (ClientError, BotoCoreError, LookupError) as exc:
        # Read-only and only needed for the engine rule: an unknown version is warned about there, not fatal.
        engine, engine_version = resource.get("Engine"), None
        version_note = "DescribeCacheClusters of member %s: %s" % ((resource.get("MemberClusters") or ["?"])[0],
                                                                   aws.error_text(exc))

    before = ec.settings(kind, resource)
    result = dict(changed=False, before=before, after=dict(before), engine=engine, engine_version=engine_version)
    if before["ip_discovery"] != wanted:
        # In check mode too: everything it needs has been read.
        problem, warnings = ec.assess(kind, resource_id, resource, wanted, engine, engine_version, version_note)
        if problem:
            module.fail_json(msg=problem, **result)
        for warning in warnings:
            module.warn(warning)
        result["changed"] = True
        result["after"]["ip_discovery"] = wanted
        if not module.check_mode:
            try:
                resource = ec.modify(client, kind, resource_id, wanted, params["apply_immediately"])
                if params["wait"]:
                    resource, done = ec.wait_applied(client, kind, resource_id, wanted, params["wait_timeout"], params["wait_delay"])
                    if not done:
                        result["after"] = ec.settings(kind, resource)
                        module.fail_json(msg="%s %s did not report ip_discovery %s and status available within %ds"
                                             % (label, resource_id, wanted, params["wait_timeout"]), **result)
            except (ClientError, BotoCoreError, LookupError) as exc:
                fail_aws(module, exc, "cannot change IP discovery of %s %s to %s" % (label, resource_id, wanted))
            # The Modify reply may still show the old value while the change is under way: after says what
            # was asked for and accepted, with the status the API reported.
            result["after"] = dict(ec.settings(kind, resource), ip_discovery=wanted)
            if not params["apply_immediately"]:
                module.warn("the change is pending until the next maintenance window (apply_immediately: false)")
    result[kind] = camel_dict_to_snake_dict(resource)
    if module._diff:
        result["diff"] = dict(before=dict(ip_discovery=before["ip_discovery"]),
                              after=dict(ip_discovery=result["after"]["ip_discovery"]))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
