"""The contract: ``openapi.yaml`` is what the app produces, and the document follows the house rules.

The rules are checked on the whole document, so routes added later are held to them too:
camelCase unique operation ids, a tag and a summary everywhere, OAuth2 security with declared
scopes on everything that is not explicitly public, RFC 9457 problem details for every error,
examples on JSON request bodies, bounded cursor pagination, and resolvable ``$ref``s.
"""

import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from api import openapi

pytestmark = pytest.mark.contract

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
OPERATION_ID = re.compile(r"^[a-z][a-zA-Z0-9]*$")
PROBLEM_JSON = "application/problem+json"
PROBLEM_REF = "#/components/schemas/Problem"
SCHEME = "OAuth2"

# Operations anyone may call without a token. Adding one is a security decision: do it here, on
# purpose, in the same change as the route.
PUBLIC_OPERATIONS = frozenset({"issueToken", "revokeToken", "getLiveness", "getReadiness"})
# Operations any authenticated principal may call, whatever its scopes.
ANY_SCOPE_OPERATIONS = frozenset({"getMe"})


@pytest.fixture(scope="module")
def rendered() -> str:
    return openapi.render()


@pytest.fixture(scope="module")
def document(rendered: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(rendered)
    return loaded


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


def name(path: str, method: str, op: dict[str, Any]) -> str:
    return str(op.get("operationId") or f"{method.upper()} {path}")


def resolve(doc: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        node = doc
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


# --- the file ------------------------------------------------------------------------------------


def test_openapi_yaml_is_generated_from_the_app(rendered: str) -> None:
    path = openapi.OPENAPI_PATH
    assert path.exists(), f"{path.name} is missing: run python -m api.openapi"
    current = path.read_text(encoding="utf-8")
    if current != rendered:
        lines = openapi.diff(current, rendered)
        shown = "".join(lines[:40]) + (
            f"... ({len(lines) - 40} more lines)\n" if len(lines) > 40 else ""
        )
        pytest.fail(
            f"{path.name} differs from the app: run python -m api.openapi\n{shown}", pytrace=False
        )


def test_rendering_is_lossless_and_readable(rendered: str) -> None:
    assert yaml.safe_load(rendered) == openapi.build_document()
    assert "&id" not in rendered and "*id" not in rendered, "no YAML anchors or aliases"
    assert "つなぐ" in rendered, "Japanese text is written as is, not escaped"


def test_check_mode_reports_drift(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    rendered: str,
) -> None:
    monkeypatch.setattr(openapi, "render", lambda: rendered)  # the app is built once per module
    target = tmp_path / "openapi.yaml"
    assert openapi.main(["--check", "--output", str(target)]) == 1
    target.write_text(
        rendered.replace("operationId: listCases", "operationId: listCasesOld"), encoding="utf-8"
    )
    assert openapi.main(["--check", "--output", str(target)]) == 1
    out, err = capsys.readouterr()
    assert re.search(r"^-\s+operationId: listCasesOld$", out, re.MULTILINE)
    assert re.search(r"^\+\s+operationId: listCases$", out, re.MULTILINE)
    assert "run python -m api.openapi" in err
    assert openapi.main(["--output", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == rendered
    assert openapi.main(["--check", "--output", str(target)]) == 0


# --- structure -----------------------------------------------------------------------------------


def test_every_ref_resolves(document: dict[str, Any]) -> None:
    broken: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                try:
                    resolve(document, {"$ref": ref})
                except (KeyError, AssertionError):
                    broken.append(ref)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    assert not broken, f"unresolvable $ref: {sorted(set(broken))}"


def test_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validator = pytest.importorskip(
        "openapi_spec_validator", reason="openapi-spec-validator is not installed"
    )
    validator.validate(document)


# --- operations ----------------------------------------------------------------------------------


def test_operation_ids_are_camel_case_and_unique(document: dict[str, Any]) -> None:
    seen: dict[str, str] = {}
    problems: list[str] = []
    for path, method, op in operations(document):
        where = f"{method.upper()} {path}"
        op_id = op.get("operationId")
        if not isinstance(op_id, str) or not OPERATION_ID.match(op_id):
            problems.append(f"{where}: operationId {op_id!r} is not camelCase")
            continue
        if op_id in seen:
            problems.append(f"{where}: operationId {op_id} is also used by {seen[op_id]}")
        seen[op_id] = where
    assert not problems, "\n".join(problems)


def test_every_operation_has_a_declared_tag_and_a_summary(document: dict[str, Any]) -> None:
    declared = {tag["name"] for tag in document.get("tags", [])}
    problems: list[str] = []
    for path, method, op in operations(document):
        who = name(path, method, op)
        tags = op.get("tags") or []
        if not tags:
            problems.append(f"{who}: no tag")
        problems += [
            f"{who}: tag {t!r} is not in the app's openapi_tags" for t in tags if t not in declared
        ]
        if not str(op.get("summary") or "").strip():
            problems.append(f"{who}: no summary")
    assert not problems, "\n".join(problems)


def test_security_schemes(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    oauth2 = schemes[SCHEME]
    assert oauth2["type"] == "oauth2"
    flows = oauth2["flows"]
    assert set(flows) >= {"password", "clientCredentials"}
    for flow_name in ("password", "clientCredentials"):
        flow = flows[flow_name]
        assert flow["tokenUrl"] == "/auth/token"
        assert flow["scopes"], f"the {flow_name} flow declares no scopes"
        assert all(str(desc).strip() for desc in flow["scopes"].values()), (
            "every scope is described"
        )


def test_operations_declare_oauth2_security_with_scopes(document: dict[str, Any]) -> None:
    flows = document["components"]["securitySchemes"][SCHEME]["flows"]
    declared_scopes = {scope for flow in flows.values() for scope in flow.get("scopes", {})}
    assert "security" not in document, "security is declared per operation, not globally"
    problems: list[str] = []
    seen: set[str] = set()
    for path, method, op in operations(document):
        who = name(path, method, op)
        seen.add(who)
        requirements = op.get("security") or []
        if who in PUBLIC_OPERATIONS:
            if requirements:
                problems.append(f"{who}: listed as public but declares security {requirements}")
            continue
        if not requirements:
            problems.append(
                f"{who}: no security requirement (if it really is public, add it to PUBLIC_OPERATIONS)"
            )
            continue
        for requirement in requirements:
            if SCHEME not in requirement:
                problems.append(f"{who}: security {requirement} does not use {SCHEME}")
                continue
            scopes = requirement[SCHEME]
            if not scopes and who not in ANY_SCOPE_OPERATIONS:
                problems.append(f"{who}: {SCHEME} security without scopes")
            problems += [
                f"{who}: scope {s!r} is not declared" for s in scopes if s not in declared_scopes
            ]
            if scopes and "403" not in op["responses"]:
                problems.append(f"{who}: needs scopes but documents no 403")
        if "401" not in op["responses"]:
            problems.append(f"{who}: requires a token but documents no 401")
    stale = (PUBLIC_OPERATIONS | ANY_SCOPE_OPERATIONS) - seen
    problems += [f"{who}: listed in this test but not in the document" for who in sorted(stale)]
    assert not problems, "\n".join(problems)


def test_errors_are_problem_details(document: dict[str, Any]) -> None:
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) >= {"type", "title", "status"}
    problems: list[str] = []
    for path, method, op in operations(document):
        who = name(path, method, op)
        for status, response in op["responses"].items():
            if not (str(status).startswith(("4", "5")) or status == "default"):
                continue
            content = resolve(document, response).get("content", {})
            media = sorted(content)
            if media != [PROBLEM_JSON]:
                problems.append(f"{who} {status}: content types {media}, expected [{PROBLEM_JSON}]")
            elif content[PROBLEM_JSON].get("schema") != {"$ref": PROBLEM_REF}:
                problems.append(f"{who} {status}: schema is not {PROBLEM_REF}")
    assert not problems, "\n".join(problems)


def test_paginated_lists_take_a_cursor_and_a_bounded_limit(document: dict[str, Any]) -> None:
    problems: list[str] = []
    for path, method, op in operations(document):
        ok = op["responses"].get("200", {}).get("content", {}).get("application/json", {})
        body = resolve(document, ok.get("schema", {}))
        if method != "get" or not {"items", "nextCursor"} <= set(body.get("properties", {})):
            continue
        who = name(path, method, op)
        params = {p["name"]: p for p in (resolve(document, p) for p in op.get("parameters", []))}
        if params.get("cursor", {}).get("in") != "query":
            problems.append(f"{who}: a page without a cursor query parameter")
        limit = params.get("limit", {})
        if limit.get("in") != "query" or "maximum" not in limit.get("schema", {}):
            problems.append(f"{who}: a page without a bounded limit query parameter")
    assert not problems, "\n".join(problems)


# --- examples ------------------------------------------------------------------------------------


def request_examples(doc: dict[str, Any], op: dict[str, Any]) -> list[Any] | None:
    """The examples of an operation's JSON request body, or None when it has no JSON body."""
    body = resolve(doc, op.get("requestBody", {}))
    media = body.get("content", {}).get("application/json")
    if media is None:
        return None
    found: list[Any] = []
    if "example" in media:
        found.append(media["example"])
    found += [resolve(doc, ex).get("value") for ex in media.get("examples", {}).values()]
    schema = resolve(doc, media.get("schema", {}))
    found += list(schema.get("examples", []))
    if "example" in schema:
        found.append(schema["example"])
    return found


def test_case_intake_has_a_request_example(document: dict[str, Any]) -> None:
    ops = {op.get("operationId"): op for _, _, op in operations(document)}
    assert request_examples(document, ops["createCase"]), "createCase needs a request body example"


def test_json_request_bodies_have_examples(document: dict[str, Any]) -> None:
    missing = []
    for path, method, op in operations(document):
        if method not in ("post", "put", "patch"):
            continue
        examples = request_examples(document, op)
        who = name(path, method, op)
        if examples == []:
            missing.append(who)
    assert not missing, f"JSON request bodies without an example: {missing}"


def check(doc: dict[str, Any], schema: Any, value: Any, at: str = "$") -> list[str]:
    """A small JSON Schema check of examples (the subset Pydantic emits)."""
    schema = resolve(doc, schema)
    if not isinstance(schema, dict):
        return []
    for key in ("anyOf", "oneOf"):
        if key in schema:
            branches = [check(doc, branch, value, at) for branch in schema[key]]
            return (
                []
                if any(not b for b in branches)
                else [f"{at}: matches no {key} branch: {branches}"]
            )
    errors = [e for branch in schema.get("allOf", []) for e in check(doc, branch, value, at)]
    if "const" in schema and value != schema["const"]:
        errors.append(f"{at}: {value!r} != const {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{at}: {value!r} not in {schema['enum']}")
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if kind else []
    checks = {
        "null": value is None,
        "boolean": isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "string": isinstance(value, str),
        "array": isinstance(value, list),
        "object": isinstance(value, dict),
    }
    if kinds and not any(checks.get(k, True) for k in kinds):
        return [*errors, f"{at}: {value!r} is not {kinds}"]
    if isinstance(value, str):
        if len(value) > schema.get("maxLength", len(value)) or len(value) < schema.get(
            "minLength", 0
        ):
            errors.append(f"{at}: length {len(value)} out of bounds")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{at}: {value!r} does not match {schema['pattern']}")
        parse = {"date": date.fromisoformat, "date-time": datetime.fromisoformat}.get(
            schema.get("format", "")
        )
        if parse is not None:
            try:
                parse(value)
            except ValueError:
                errors.append(f"{at}: {value!r} is not a {schema['format']}")
    if isinstance(value, list):
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
            errors.append(f"{at}: {len(value)} items out of bounds")
        for i, item in enumerate(value):
            errors += check(doc, schema.get("items", {}), item, f"{at}[{i}]")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        errors += [
            f"{at}: missing required {k!r}" for k in schema.get("required", []) if k not in value
        ]
        for key, item in value.items():
            if key in properties:
                errors += check(doc, properties[key], item, f"{at}.{key}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{at}: unknown property {key!r}")
    return errors


def test_examples_match_their_schemas(document: dict[str, Any]) -> None:
    problems: list[str] = []
    for schema_name, schema in document["components"]["schemas"].items():
        for i, example in enumerate(schema.get("examples", [])):
            problems += [
                f"{schema_name} example {i}: {e}" for e in check(document, schema, example)
            ]
    for path, method, op in operations(document):
        media = (
            resolve(document, op.get("requestBody", {})).get("content", {}).get("application/json")
        )
        if media is None:
            continue
        media_examples = [
            resolve(document, ex).get("value") for ex in media.get("examples", {}).values()
        ]
        media_examples += [media["example"]] if "example" in media else []
        for example in media_examples:
            errors = check(document, media.get("schema", {}), example)
            problems += [f"{name(path, method, op)} request example: {e}" for e in errors]
    assert not problems, "\n".join(problems)


def test_the_checker_catches_a_stale_example(document: dict[str, Any]) -> None:
    schema = {"$ref": "#/components/schemas/CaseCreate"}
    good = document["components"]["schemas"]["CaseCreate"]["examples"][0]
    assert check(document, schema, good) == []
    renamed = {**good, "intake_date": good["intakeDate"]}
    del renamed["intakeDate"]
    errors = check(document, schema, renamed)
    assert any("missing required 'intakeDate'" in e for e in errors)
    assert any("unknown property 'intake_date'" in e for e in errors)
