"""The Redis connection options: argument spec against the doc fragment, checks, redis-py keyword arguments.

No redis-py needed: _redis builds plain dicts.
"""

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.dualstack.redis.plugins.doc_fragments._redis import ModuleDocFragment
from ansible_collections.dualstack.redis.plugins.module_utils import _redis as rd

# What the argument spec and the documentation must agree on (validate-modules checks it per module).
KEYS = ("type", "required", "default", "aliases", "choices", "elements")


def test_argument_spec_and_doc_fragment_agree():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    spec = rd.redis_argument_spec()
    assert sorted(documented) == sorted(spec)
    for name, option in spec.items():
        as_spec = {key: option[key] for key in KEYS if option.get(key) not in (None, False)}
        as_doc = {key: documented[name][key] for key in KEYS if documented[name].get(key) not in (None, False)}
        assert as_spec == as_doc, name
    assert spec["password"]["no_log"] is True


def test_each_call_returns_a_new_spec():
    first = rd.redis_argument_spec()
    first["host"]["aliases"].append("server")
    first["family"] = dict(type="str")
    assert rd.redis_argument_spec()["host"]["aliases"] == ["login_host"] and "family" not in rd.redis_argument_spec()


def validated(params):
    result = ArgumentSpecValidator(rd.redis_argument_spec()).validate(params)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def test_login_aliases():
    params = validated(dict(login_host="10.0.5.11", login_user="ops", login_password="pw"))
    assert (params["host"], params["username"], params["password"]) == ("10.0.5.11", "ops", "pw")
    assert params["port"] == 6379 and params["tls"] is False and params["connect_timeout"] == 5.0


def test_password_is_kept_out_of_logs_under_either_name():
    for name in ("password", "login_password"):
        result = ArgumentSpecValidator(rd.redis_argument_spec()).validate(dict(host="h", **{name: "s3cret"}))
        assert "s3cret" in result._no_log_values  # pylint: disable=protected-access


@pytest.mark.parametrize("change,words", [
    (dict(port=0), "port must be between 1 and 65535, got 0"),
    (dict(port=65536), "port must be between 1 and 65535, got 65536"),
    (dict(connect_timeout=0), "connect_timeout must be more than 0 to 3600 seconds"),
    (dict(ca_certs="/x.pem"), "ca_certs only apply with tls: true"),
    (dict(ca_certs="/x.pem", client_cert_file="/c.pem", client_key_file="/k.pem"),
     "ca_certs, client_cert_file, client_key_file only apply with tls: true"),
    (dict(tls=True, client_cert_file="/c.pem"), "client_cert_file and client_key_file go together"),
    (dict(tls=True, client_key_file="/k.pem"), "client_cert_file and client_key_file go together"),
])
def test_connection_problems(change, words):
    params = validated(dict(dict(host="h"), **change))
    problems = rd.connection_problems(params)
    assert len(problems) == 1 and words in problems[0]


def test_no_problems_with_mutual_tls():
    assert rd.connection_problems(validated(dict(host="h", tls=True, client_cert_file="/c.pem", client_key_file="/k.pem"))) == []


def test_connect_kwargs_plain():
    kwargs = rd.redis_connect_kwargs(validated(dict(host="::1", port=7000, username="", connect_timeout=2)))
    assert kwargs == dict(host="::1", port=7000, username=None, password=None, socket_connect_timeout=2.0, socket_timeout=2.0)


def test_connect_kwargs_for_tls():
    kwargs = rd.redis_connect_kwargs(validated(dict(login_host="redis.example", login_user="ops", login_password="pw", tls=True,
                                                    validate_certs=False, ca_certs="/ca.pem")))
    assert kwargs["ssl"] and kwargs["ssl_cert_reqs"] == "none" and kwargs["ssl_check_hostname"] is False
    assert kwargs["ssl_ca_certs"] == "/ca.pem" and kwargs["username"] == "ops" and kwargs["password"] == "pw"
    assert kwargs["host"] == "redis.example" and kwargs["ssl_certfile"] is None


def test_connect_kwargs_for_mutual_tls_checked():
    kwargs = rd.redis_connect_kwargs(validated(dict(host="h", tls=True, client_cert_file="/c.pem", client_key_file="/k.pem")))
    assert kwargs["ssl_cert_reqs"] == "required" and kwargs["ssl_check_hostname"] is True
    assert (kwargs["ssl_certfile"], kwargs["ssl_keyfile"], kwargs["ssl_ca_certs"]) == ("/c.pem", "/k.pem", None)
