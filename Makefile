# dualstack.redis: development, lab and test entry points.
#   make demo    set everything up and run every job on the built-in lab, with before/after views
#   make test    run every test (sanity, units, a real Redis Cluster, lint, EE, every molecule scenario)
#   make matrix  sanity and units under each of ansible-core 2.16, 2.17, 2.18 and 2.19 (own venvs in
#                .build/matrix), every target Python 3.6-3.13, and the managed-host modules run on 3.6/3.13
# See `make help` for the rest. Runs as root on Debian 12 hosts; installs what it needs.
# The fast lane (make sanity, make units, make lint) needs neither root nor apt once .venv exists
# and shellcheck and git are installed: it runs as any user, e.g. on a laptop.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := $(CURDIR)/.venv
BUILD := $(CURDIR)/.build
SCENARIO ?= lab_smoke
# Every scenario directory with a molecule.yml, lab_smoke (the lab's canary) first.
SCENARIOS := lab_smoke $(filter-out lab_smoke,$(patsubst molecule/%/molecule.yml,%,$(sort $(wildcard molecule/*/molecule.yml))))

export PATH := $(VENV)/bin:$(PATH)
export CONTAINERS_CONF := $(CURDIR)/tests/lab/containers.conf
export ANSIBLE_COLLECTIONS_PATH := $(BUILD)/collections
export MOLECULE_GLOB := molecule/*/molecule.yml
export ANSIBLE_NOCOLOR := 1
export PY_COLORS := 0

.PHONY: help demo test venv lab collection-path sanity units matrix netns cluster lint molecule molecule-all bench docs fuzz build community changelog clean clean-lab

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

venv: $(VENV)/.installed ## the project's Python toolchain in .venv (pinned in requirements-dev.txt)

$(VENV)/.installed: requirements-dev.txt
	@tests/lab/lab.sh toolchain "$(PYTHON)"
	$(PYTHON) -m venv "$(VENV)"
	"$(VENV)/bin/pip" install --quiet --upgrade pip
	"$(VENV)/bin/pip" install --quiet -r requirements-dev.txt
	touch "$@"

collection-path: ## make the checkout importable as dualstack.redis (.build/collections)
	@mkdir -p "$(BUILD)/collections/ansible_collections/dualstack"
	@[ "$$(readlink "$(BUILD)/collections/ansible_collections/dualstack/redis")" = "$(CURDIR)" ] \
		|| ln -sfn "$(CURDIR)" "$(BUILD)/collections/ansible_collections/dualstack/redis"

lab: venv ## podman, runc, debootstrap and the lab image (built once per recipe)
	tests/lab/lab.sh host
	tests/lab/lab.sh image

sanity: venv ## ansible-test sanity, every test, empty ignore file
	tests/sanity/run.sh

units: venv collection-path ## unit tests (pytest over tests/unit)
	pytest tests/unit

matrix: ## sanity (every target Python), units and the managed-host modules for real, under ansible-core 2.16-2.19 (VERSIONS="2.16 2.19" for some)
	tests/matrix/run.sh $(VERSIONS)

netns: venv collection-path ## ip_address against a real kernel in network namespaces; persistent_address's files read by the real network tools (root)
	tests/lab/lab.sh netns
	tests/lab/lab.sh nettools >/dev/null
	pytest tests/netns

cluster: venv collection-path ## tests against real clusters (redis-server 7.0 and valkey-server 8.1 on loopback) with real clients; fetches what they need
	tests/lab/lab.sh redis
	tests/lab/lab.sh valkey
	tests/lab/lab.sh clients
	pytest tests/cluster

lint: venv collection-path ## ansible-lint (production profile) and yamllint
	yamllint --strict .
	ansible-lint --offline

molecule: lab collection-path ## one molecule scenario: make molecule SCENARIO=name
	molecule test -s "$(SCENARIO)"

molecule-all: lab collection-path ## every molecule scenario
	@for s in $(SCENARIOS); do molecule test -s "$$s" || exit 1; done

test: venv collection-path ## every test: sanity, units, cluster, lint, changelog, EE, build, docs site in a browser, every molecule scenario; prints a summary
	tests/run_all.sh $(SCENARIOS)

demo: lab collection-path ## set up the lab, run every job with before/after views, tear it down (KEEP_LAB=1 keeps it)
	tests/demo.sh

bench: lab collection-path ## benchmarks, printed as ratios against a floor measured in the same run
	tests/bench/run.sh

docs: collection-path ## the docs site (antsibull-docs, Sphinx), offline: .build/docs/site/build/html/index.html
	tests/docs/build.sh

fuzz: venv ## coverage-guided fuzzing of the parsers (atheris), FUZZ_SECONDS each (600); not in make test (CONTRIBUTING.md)
	tests/fuzz/run.sh

build: venv ## the collection tarball, as it would be published
	ansible-galaxy collection build --force --output-path "$(BUILD)/dist" .

community: venv ## Galaxy's importer and antsibull-docs on the built collection: no error, no warning (own venv; no root)
	tests/community/run.sh

changelog: venv ## lint the changelog fragments and render CHANGELOG.rst
	antsibull-changelog lint
	antsibull-changelog generate

clean: ## remove build and test output (keeps .venv and the lab image)
	rm -rf "$(BUILD)" tests/output .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

clean-lab: ## remove the lab image and every lab network
	-podman image rm -f localhost/dualstack-redis-lab:debian12
	-podman network ls --format '{{.Name}}' | grep '^dslab-' | xargs -r podman network rm -f
