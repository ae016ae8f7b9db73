#!/usr/bin/env sh
# Gate a backend release on the Contacts API contract.
#
# Installs the toolkit, waits (bounded) for the backend to answer, runs contacts-contract
# with a JUnit report, and exits with its exit code: 0 the contract holds, 1 violations,
# 2 usage error, 3 the backend could not be judged (unreachable, or a base URL or key no
# correct backend would answer so: check the configuration), 130 or 143 interrupted (the
# reports are still written).
#
# The toolkit is not published on PyPI: GATE_INSTALL says where pip gets it, pinned to a
# release. Either its git repository at a tag:
#   GATE_INSTALL='contacts-api-toolkit @ git+https://git.example.com/qa/contacts-api-toolkit.git@v0.1.0'
# (a private repository takes a read token in the URL: https://TOKEN@host/...), or a wheel
# built from it (python -m build --wheel in the toolkit's repository), kept where the job
# can read it:
#   GATE_INSTALL=ci/contacts_api_toolkit-0.1.0-py3-none-any.whl
#
# The cases committed in GATE_CASES (regressions found earlier, requests frontends really
# sent) are sent first on every run, whatever the profile. What the run finds is saved as
# cases in GATE_FOUND, for the job to keep: review them, and commit the ones to keep in
# GATE_CASES.
#
# GATE_PROFILE picks the recommended settings for the job at hand:
#   pr       a pull request: a 30 s time budget (CONTACTS_CONTRACT_MAX_TIME=30). The fixed
#            examples (every rule of the spec, every kind of bad key) always run whole; the
#            generated phases share the rest. Warnings are reported, they do not block.
#   nightly  a scheduled run: 1000 examples per generated phase, no time budget, a new
#            seed each night (it is printed, to replay a failure), and warnings fail it
#            (CONTACTS_CONTRACT_MAX_EXAMPLES=1000, CONTACTS_CONTRACT_WARNINGS_AS_ERRORS=1).
#   full     the default run: 300 examples per generated phase, no time budget (default).
# Every profile sets CONTACTS_CONTRACT_FAIL_UNDER_COVERAGE=100: a run that leaves a cell
# of the contract's input space unsent fails. A CONTACTS_CONTRACT_* variable the job sets
# wins over its profile.
#
# The suite creates contacts: point it at a disposable environment, never production.
#
# Environment:
#   CONTACTS_CONTRACT_BASE_URL   the backend (required), e.g. http://127.0.0.1:8000
#   CONTACTS_CONTRACT_TOKEN      a Staff or Admin key (required); keep it in a CI secret
#   CONTACTS_CONTRACT_*          any other option of contacts-contract (see its --help)
#   GATE_PROFILE       pr, nightly or full (default: full), see above
#   GATE_INSTALL       what pip installs: the toolkit's git URL at a tag, or a wheel (see
#                      above); empty: it is installed already
#   GATE_WAIT          whole seconds to wait for the backend to answer (default: 120)
#   GATE_JUNIT         the JUnit XML report (default: contract-junit.xml)
#   GATE_REPORT        the readable report (default: contract-report.md)
#   GATE_CASES         the folder of committed cases, sent first when it exists
#                      (default: contract-cases)
#   GATE_FOUND         where the run's failures are saved as cases (default: contract-found);
#                      empty: not saved
#   PYTHON             the Python to use (default: python3)
set -u

python=${PYTHON:-python3}
wait_seconds=${GATE_WAIT:-120}
junit=${GATE_JUNIT:-contract-junit.xml}
report=${GATE_REPORT:-contract-report.md}
cases=${GATE_CASES:-contract-cases}
found=${GATE_FOUND-contract-found}
base_url=${CONTACTS_CONTRACT_BASE_URL:-}

if [ -z "$base_url" ]; then
    echo "gate: set CONTACTS_CONTRACT_BASE_URL to the backend to test" >&2
    exit 2
fi

case $wait_seconds in
    '' | *[!0-9]*)
        echo "gate: GATE_WAIT must be a whole number of seconds, not '${wait_seconds}'" >&2
        exit 2
        ;;
esac

if [ -z "${GATE_INSTALL+set}" ]; then
    echo "gate: set GATE_INSTALL to where pip gets the toolkit (it is not on PyPI): its git" \
        "repository at a tag, 'contacts-api-toolkit @ git+https://HOST/PATH.git@vX.Y.Z'," \
        "or a wheel built from it; empty if it is installed already" >&2
    exit 2
fi
install=$GATE_INSTALL

# Every profile fails when the run's own input coverage drops: the fixed examples cover
# every cell of the contract's input space, so anything under 100% is a gap in the gate.
: "${CONTACTS_CONTRACT_FAIL_UNDER_COVERAGE:=100}"
export CONTACTS_CONTRACT_FAIL_UNDER_COVERAGE

case "${GATE_PROFILE:-full}" in
    pr)
        : "${CONTACTS_CONTRACT_MAX_TIME:=30}"
        export CONTACTS_CONTRACT_MAX_TIME
        ;;
    nightly)
        : "${CONTACTS_CONTRACT_MAX_EXAMPLES:=1000}" "${CONTACTS_CONTRACT_WARNINGS_AS_ERRORS:=1}"
        export CONTACTS_CONTRACT_MAX_EXAMPLES CONTACTS_CONTRACT_WARNINGS_AS_ERRORS
        ;;
    full) ;;
    *)
        echo "gate: GATE_PROFILE must be pr, nightly or full, not '${GATE_PROFILE}'" >&2
        exit 2
        ;;
esac
echo "gate: profile ${GATE_PROFILE:-full}"

if [ -n "$install" ]; then
    # A token in a git URL is not printed.
    echo "gate: installing $(printf '%s' "$install" | sed 's#://[^/@]*@#://***@#')"
    "$python" -m pip install --quiet "$install" || exit 2
fi
if ! "$python" -c "import contract_tests" 2>/dev/null; then
    echo "gate: the toolkit is not installed for $python (GATE_INSTALL is empty)" >&2
    exit 2
fi

set -- --junit-xml "$junit" --report "$report"
if [ -d "$cases" ]; then
    echo "gate: the cases in $cases are sent first"
    set -- "$@" --cases "$cases"
fi
if [ -n "$found" ]; then
    set -- "$@" --save-cases "$found"
fi
# The suite reads its options now (the base URL, the keys, the report paths, every
# CONTACTS_CONTRACT_* variable): a wrong one fails at once, in the suite's own words
# (exit code 2), not after waiting for a backend it could never test.
"$python" -c 'import sys; from contract_tests.cli import parse_config; parse_config(sys.argv[1:])' \
    "$@" || exit 2

# Any HTTP answer counts (a 401 or 405 too): the backend is up.
echo "gate: waiting up to ${wait_seconds} s for $base_url"
"$python" - "$base_url" "$wait_seconds" <<'PY' || exit 3
import sys, time, urllib.error, urllib.request

url, limit = sys.argv[1], float(sys.argv[2])
deadline = time.monotonic() + limit
while True:
    try:
        urllib.request.urlopen(url, timeout=5).close()
        break
    except urllib.error.HTTPError:
        break
    except (urllib.error.URLError, OSError) as error:
        if time.monotonic() >= deadline:
            sys.exit(f"gate: {url} did not answer within {limit:g} s ({error})")
        time.sleep(1)
PY

# The suite of the Python that installed it, whatever PATH holds.
"$python" -m contract_tests "$@"
status=$?
echo "gate: contacts-contract exited with $status (JUnit: $junit, report: $report)"
exit "$status"
