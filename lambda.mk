# Build steps shared by the Makefiles `sam build` runs for BuildMethod: makefile (layers/shared, functions/*, docs).
# Lambda mounts layers at /opt and code at /var/task read-only, so Python cannot cache bytecode there: whatever we
# ship without .pyc is compiled from source on every cold start. So every artifact ships bytecode, in
# unchecked-hash mode: zip extraction does not keep the source mtimes a timestamp-based .pyc is checked against,
# and an unchecked .pyc is used without even reading its source.

# The Lambda runtime's interpreter: .pyc files are only valid for the Python minor version that wrote them.
PYTHON ?= python3.11
LAMBDA_PYTHON_VERSION := 3.11

# pip picks the right wheels when this machine is what Lambda runs (x86_64 Linux); elsewhere it must be told.
ifneq ($(shell uname -sm),Linux x86_64)
PIP_PLATFORM := --platform manylinux2014_x86_64 --implementation cp --python-version $(LAMBDA_PYTHON_VERSION) --only-binary=:all:
endif

define check_python
	@$(PYTHON) -c 'import sys; v = "%d.%d" % sys.version_info[:2]; sys.exit(0 if v == "$(LAMBDA_PYTHON_VERSION)" else f"$(PYTHON) is Python {v}; the bytecode must be built by Python $(LAMBDA_PYTHON_VERSION)")'
endef

# $(call pip_install,requirements file,target dir): exactly the pinned list, no resolved extras (--no-deps), so what
# the runtime provides (the AWS SDK) is not shipped a second time.
define pip_install
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-compile --no-deps $(PIP_PLATFORM) -r $(1) -t "$(2)"
endef

# $(call precompile,dir): drops any bytecode copied from a developer's tree (timestamp-based, and compileall would
# keep it), then compiles everything; fails the build if a module cannot be compiled, as it could not be imported.
define precompile
	$(check_python)
	find "$(1)" -name __pycache__ -type d -prune -exec rm -rf {} +
	$(PYTHON) -m compileall -q -f -j 0 --invalidation-mode unchecked-hash "$(1)"
endef
