"""Property-based API test: schemathesis generates requests from the OpenAPI schema (bounded examples) and
checks that no answer is a server error and every answer matches the schema (status, content type, headers,
body). Not checked: that every schema-valid request is accepted — an uploaded ``binary`` that is no image is
rightly a 415, which the schema cannot express."""

import pytest

schemathesis = pytest.importorskip("schemathesis")


@pytest.mark.slow
def test_api_has_no_server_error_and_keeps_to_its_schema(settings):
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hsettings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    from chromalab.web import create_app

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
              response_schema_conformance]
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings))
    failures: list[str] = []
    statuses: list[int] = []

    def fuzz(operation) -> None:
        @hsettings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            try:
                statuses.append(case.call_and_validate(checks=checks).status_code)
            except Exception as e:  # collect, so one operation's failure does not hide another's
                failures.append(f"{operation.label}: {type(e).__name__}: {str(e).splitlines()[0][:200]}")
                raise

        try:
            check()
        except Exception:
            pass

    operations = [op.ok() for op in schema.get_all_operations()]
    for operation in operations:
        fuzz(operation)
    assert len(operations) >= 6 and len(statuses) >= 6 * len(operations) // 2
    assert not failures, "\n".join(dict.fromkeys(failures))
