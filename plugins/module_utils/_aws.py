# -*- coding: utf-8 -*-
# Copyright: dualstack.redis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS connection for the collection's modules: the options, a boto3 client with bounded retries and
timeouts, and AWS errors as one line. Documented in the private doc fragment ``dualstack.redis._aws``.

Private to dualstack.redis: not a public API, may change in any release.

The collection talks to AWS with boto3/botocore only (no other collection). What botocore resolves by itself
is left to it: credentials and region from a profile or the shared config files, ``AWS_ENDPOINT_URL`` /
``AWS_ENDPOINT_URL_ELASTICACHE``, ``AWS_CA_BUNDLE``. Retries are botocore's own ``standard`` mode.
"""

import threading
import traceback
from urllib.parse import urlsplit

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.dualstack.redis.plugins.module_utils import _checks as checks
from ansible_collections.dualstack.redis.plugins.module_utils import _resp as resp

try:
    import boto3
    import botocore.config
    import botocore.exceptions
except ImportError:
    HAS_BOTO3 = False
    BOTO3_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_BOTO3 = True
    BOTO3_IMPORT_ERROR = None

# Where the options' values come from when a task does not set them (in this order).
ENVIRONMENT = {
    "region": ["AWS_REGION", "AWS_DEFAULT_REGION"],
    "profile": ["AWS_PROFILE"],
    "access_key": ["AWS_ACCESS_KEY_ID"],
    "secret_key": ["AWS_SECRET_ACCESS_KEY"],
    # AWX's and Tower's "Amazon Web Services" credential injects the STS token as AWS_SECURITY_TOKEN.
    "session_token": ["AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"],
}

KEY_OPTIONS = ("access_key", "secret_key", "session_token")
# The largest aws_retries and aws_timeout (seconds) taken.
MAX_RETRIES = 50
MAX_TIMEOUT = 3600


class AWSSetupError(Exception):
    """The connection options cannot make a client; the message says which option to change."""


def argument_spec():
    """The connection options, to merge into a module's argument_spec."""
    return dict(
        region=dict(type="str", aliases=["aws_region"], fallback=(env_fallback, ENVIRONMENT["region"])),
        profile=dict(type="str", aliases=["aws_profile"], fallback=(env_fallback, ENVIRONMENT["profile"])),
        # An access key ID is an identifier, not a secret (AWS shows it in CloudTrail and IAM listings).
        access_key=dict(type="str", aliases=["aws_access_key_id", "aws_access_key"], no_log=False,
                        fallback=(env_fallback, ENVIRONMENT["access_key"])),
        secret_key=dict(type="str", aliases=["aws_secret_access_key", "aws_secret_key"], no_log=True,
                        fallback=(env_fallback, ENVIRONMENT["secret_key"])),
        session_token=dict(type="str", aliases=["aws_session_token"], no_log=True,
                           fallback=(env_fallback, ENVIRONMENT["session_token"])),
        endpoint_url=dict(type="str", aliases=["aws_endpoint_url"]),
        aws_ca_bundle=dict(type="path"),
        validate_certs=dict(type="bool", default=True),
        aws_retries=dict(type="int", default=5),
        aws_timeout=dict(type="int", default=60),
    )


def check_library(module):
    """Fail the module, naming what to install, when boto3 or botocore cannot be imported."""
    if not HAS_BOTO3:
        module.fail_json(msg=missing_required_lib("boto3 and botocore"), exception=BOTO3_IMPORT_ERROR)


def check_params(params):
    """Why the connection options are unusable, or None. Only the options themselves: no AWS call."""
    keys = [name for name in KEY_OPTIONS if params.get(name)]
    if params.get("profile") and keys:
        return ("give either profile (%s) or %s, not both; the environment variables count too (%s), so set the "
                "one you do not want to an empty string"
                % (params["profile"], " and ".join(keys),
                   ", ".join(["AWS_PROFILE"] + [ENVIRONMENT[name][0] for name in keys])))
    if bool(params.get("access_key")) != bool(params.get("secret_key")):
        given, missing = ("access_key", "secret_key") if params.get("access_key") else ("secret_key", "access_key")
        return "%s is set but %s is not: give both (or neither, to use a profile or botocore's own credentials)" % (given, missing)
    if params.get("session_token") and not params.get("access_key"):
        return "session_token is set without access_key and secret_key: a session token goes with both"
    problems = [checks.count(params["aws_retries"], "aws_retries", 0, MAX_RETRIES),
                checks.seconds(params["aws_timeout"], "aws_timeout", 1, MAX_TIMEOUT)]
    if params.get("aws_ca_bundle") and params["validate_certs"]:
        problems.append(checks.regular_file(params["aws_ca_bundle"], "aws_ca_bundle"))
    return next((problem for problem in problems if problem), None)


def client_config(params):
    """botocore's client configuration: standard-mode retries and the timeouts."""
    return botocore.config.Config(
        retries=dict(mode="standard", max_attempts=params["aws_retries"]),
        connect_timeout=params["aws_timeout"],
        read_timeout=params["aws_timeout"],
        user_agent_extra="dualstack.redis",
    )


def verify(params):
    """botocore's ``verify``: False without certificate checks, the CA bundle when one is given, else None
    (botocore's default bundle, or its own ``ca_bundle`` setting)."""
    if not params["validate_certs"]:
        return False
    return params.get("aws_ca_bundle") or None


def client(params, service):
    """(client, region) for ``service`` from the module's connection options; raises AWSSetupError."""
    problem = check_params(params)
    if problem:
        raise AWSSetupError(problem)
    profile = params.get("profile") or None
    try:
        session = boto3.session.Session(
            profile_name=profile,
            aws_access_key_id=params.get("access_key") or None,
            aws_secret_access_key=params.get("secret_key") or None,
            aws_session_token=params.get("session_token") or None,
        )
        region = params.get("region") or session.region_name
    except botocore.exceptions.ProfileNotFound:
        raise AWSSetupError("AWS profile %s is not in the AWS config or credentials file" % profile) from None
    except botocore.exceptions.BotoCoreError as exc:
        raise AWSSetupError("cannot read the AWS configuration: %s" % error_text(exc)) from None
    if not region:
        raise AWSSetupError("no AWS region: set region (or the environment variable AWS_REGION or AWS_DEFAULT_REGION, "
                            "or a region in the AWS profile)")
    try:
        made = session.client(service, region_name=region, endpoint_url=params.get("endpoint_url") or None,
                              verify=verify(params), config=client_config(params))
    except (botocore.exceptions.BotoCoreError, ValueError) as exc:
        # ValueError: an endpoint_url botocore cannot use ("Invalid endpoint: ...").
        raise AWSSetupError("cannot make an AWS %s client for region %s: %s" % (service, region, error_text(exc))) from None
    # botocore (urllib3) looks the endpoint's name up with getaddrinfo, which has no timeout of its own: first
    # within aws_timeout, so that a resolver that never answers cannot hold the task beyond it.
    endpoint = urlsplit(made.meta.endpoint_url)
    try:
        resp.resolve_within(endpoint.hostname, endpoint.port or 443, params["aws_timeout"])
    except resp.RespError as exc:
        raise AWSSetupError("cannot reach the AWS %s endpoint %s: %s" % (service, made.meta.endpoint_url, exc)) from None
    return Bounded(made, call_limit(params)), region


# The longest pause botocore's standard retry mode makes between two attempts (seconds).
MAX_BACKOFF = 20


def call_limit(params):
    """Seconds one API call may take in all: for each attempt aws_timeout to connect and aws_timeout for the whole
    reply (so that botocore's own timeout errors, which say more, come first when they can), and the pauses between
    attempts."""
    return 2 * params["aws_timeout"] * (params["aws_retries"] + 1) + MAX_BACKOFF * params["aws_retries"]


class Bounded(object):
    """A boto3 client whose API calls each end within ``limit`` seconds in all. botocore's read timeout bounds each
    read of a socket, not a reply: an endpoint that trickles its reply one byte at a time would hold a call for ever.
    Each call runs in a daemon thread; one that outlives the limit raises CallTimeout (a BotoCoreError, so the
    module's handlers report it) and is left behind (it ends with the process). Everything else is the client's."""

    def __init__(self, wrapped, limit):
        self._wrapped, self._limit = wrapped, limit

    def __getattr__(self, name):
        found = getattr(self._wrapped, name)
        if not callable(found) or name not in self._wrapped.meta.method_to_api_mapping:
            return found

        def call(*args, **kwargs):
            outcome = {}

            def run():
                try:
                    outcome["value"] = found(*args, **kwargs)
                except BaseException as exc:  # pylint: disable=broad-except
                    outcome["error"] = exc

            worker = threading.Thread(target=run)
            worker.daemon = True
            worker.start()
            worker.join(self._limit)
            if worker.is_alive():
                raise CallTimeout(operation=self._wrapped.meta.method_to_api_mapping[name], seconds=self._limit,
                                  endpoint=self._wrapped.meta.endpoint_url)
            if "error" in outcome:
                raise outcome["error"]
            return outcome["value"]

        return call


if HAS_BOTO3:
    class CallTimeout(botocore.exceptions.BotoCoreError):
        """An API call that got no whole reply within its limit (Bounded)."""

        fmt = "{operation} got no whole reply from {endpoint} within {seconds} s (twice aws_timeout for each attempt)"


def error_code(exc):
    """The AWS API's error code of a ClientError, else None."""
    if HAS_BOTO3 and isinstance(exc, botocore.exceptions.ClientError):
        return exc.response.get("Error", {}).get("Code")
    return None


def error_text(exc):
    """One line: ``Code: message (HTTP status)`` for an API error, botocore's own message otherwise."""
    if HAS_BOTO3 and isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        text = "%s: %s" % (error.get("Code") or "Unknown", error.get("Message") or "(no message)")
        if status:
            text += " (HTTP %s)" % status
    elif HAS_BOTO3 and isinstance(exc, botocore.exceptions.NoCredentialsError):
        text = ("no AWS credentials found: give access_key and secret_key (or AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY), or a profile")
    else:
        text = "%s: %s" % (type(exc).__name__, exc)
    return " ".join(text.split())


def error_details(exc):
    """``error`` for a failed module's result: the API's code and message (an empty dict for other errors)."""
    if HAS_BOTO3 and isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        return dict(code=error.get("Code"), message=error.get("Message"))
    return {}
