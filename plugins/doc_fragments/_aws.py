# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private documentation fragment: the AWS connection options (plugins/module_utils/_aws.py)."""

from __future__ import annotations


class ModuleDocFragment:
    """Region, credentials, endpoint, certificates, retries and timeouts of an AWS API client."""

    DOCUMENTATION = r"""
options:
  region:
    description:
      - The AWS region of the resource, for example V(us-east-1).
      - When not set, the environment variable E(AWS_REGION), then E(AWS_DEFAULT_REGION), then the C(region) of the
        AWS profile in use. The module fails, before any AWS call, when none of them gives a region.
    type: str
    aliases: [aws_region]
  profile:
    description:
      - A named profile of the AWS shared config and credentials files (C(~/.aws/config), C(~/.aws/credentials))
        to take credentials and settings from.
      - When not set, the environment variable E(AWS_PROFILE).
      - Cannot be combined with O(access_key), O(secret_key) or O(session_token), whether they come from the task
        or from the environment; set the one not wanted to an empty string.
    type: str
    aliases: [aws_profile]
  access_key:
    description:
      - The AWS access key ID. When not set, the environment variable E(AWS_ACCESS_KEY_ID).
      - With neither this nor O(profile), botocore looks for credentials itself (the default profile, a web
        identity token, a container or EC2 instance role).
      - An access key ID identifies a key; it is not treated as a secret (it may appear in the task's invocation
        with C(-v)).
    type: str
    aliases: [aws_access_key_id, aws_access_key]
  secret_key:
    description:
      - The AWS secret access key that goes with O(access_key). When not set, the environment variable
        E(AWS_SECRET_ACCESS_KEY). Kept out of logs and results.
    type: str
    aliases: [aws_secret_access_key, aws_secret_key]
  session_token:
    description:
      - The session token of temporary (STS) credentials, with O(access_key) and O(secret_key).
      - When not set, the environment variable E(AWS_SESSION_TOKEN), then E(AWS_SECURITY_TOKEN) (the name AWX's and
        Ansible Tower's Amazon Web Services credential injects). Kept out of logs and results.
    type: str
    aliases: [aws_session_token]
  endpoint_url:
    description:
      - Another URL for the AWS service's API, for example a VPC interface endpoint or a test stand-in.
      - When not set, botocore's own settings apply (the environment variables E(AWS_ENDPOINT_URL_ELASTICACHE) and
        E(AWS_ENDPOINT_URL), or C(endpoint_url) in the profile), else the region's public endpoint.
        E(AWS_URL) is not read.
    type: str
    aliases: [aws_endpoint_url]
  aws_ca_bundle:
    description:
      - A PEM file of the certificate authorities to check the API endpoint's certificate against (a regular file).
      - When not set, botocore's own setting (E(AWS_CA_BUNDLE), or C(ca_bundle) in the profile), else the bundle
        botocore ships with. Not used with O(validate_certs=false).
    type: path
  validate_certs:
    description:
      - Check the API endpoint's TLS certificate. Only turn this off for a test endpoint.
    type: bool
    default: true
  aws_retries:
    description:
      - How many times botocore retries a call after the first attempt when it fails with a transient error
        (throttling, a 5xx reply, a dropped connection), with botocore's C(standard) retry mode and its
        exponential backoff. V(0) makes one attempt only; at most V(50).
      - Replaces the E(AWS_MAX_ATTEMPTS) and E(AWS_RETRY_MODE) settings for this module's calls.
    type: int
    default: 5
  aws_timeout:
    description:
      - Seconds to wait for a connection to the API endpoint, and for each reply, before the attempt counts as
        failed (and may be retried, see O(aws_retries)); 1 to 3600.
      - Each API call ends within twice O(aws_timeout) for each attempt (connecting, then the whole reply), plus up
        to 20 seconds between attempts, also when an endpoint trickles its reply one byte at a time (botocore's own
        read timeout bounds each read, not a reply).
    type: int
    default: 60
notes:
  - "AWS connection: the module calls the AWS API with boto3 and botocore directly; it needs no other collection.
    Errors from the API are reported as one line with the API's error code and message."
"""
