
# --- appended by tests/docs/build.sh -----------------------------------------------------------------------------
# Offline: the labels of the Ansible docs that the plugin pages refer to come from a local inventory (written by
# tests/docs/site.py from the labels the pages use), pointing at the real pages on docs.ansible.com.
import os  # noqa: E402
intersphinx_mapping = {"ansible_devel": ("https://docs.ansible.com/projects/ansible/devel/",
                                         os.path.join(os.path.dirname(os.path.abspath(__file__)), "ansible_devel.inv"))}
project = "dualstack.redis"
title = html_short_title = "dualstack.redis"
