# SPDX-License-Identifier: Apache-2.0
"""WorkOS's published API description (@workos/openapi-spec, pinned by
tests/interop's lockfile) as a checker: which operation a request is, and
whether a request or an answer is what the description says.

    from openapi import describe
    api = describe()                       # parsed once per process
    problems = api.check_request("GET", "/events?events=a,b&limit=10",
                                 headers, body)
    problems += api.check_response("GET", "/events?...", 200, headers, body)

Every check returns a list of sentences (empty: conforms). The schemas are
JSON Schema 2020-12 (OpenAPI 3.1); $refs are resolved against the whole
document; formats are asserted (date-time as RFC 3339, uri, email...). Query parameters follow OpenAPI's serialisation rules: an array
is `name=a&name=b` (style form, explode true: the default) or `name=a,b`
(explode false); a name the operation does not declare is a mismatch.
"""
import functools
import json
import pathlib
import re
import urllib.parse

import jsonschema
import yaml

SPEC = (pathlib.Path(__file__).resolve().parents[1] / "interop" /
        "node_modules" / "@workos" / "openapi-spec" / "open-api-spec.yaml")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?"
                     r"([Zz]|[+-]\d\d:\d\d)$")


def _formats():
    """The formats jsonschema checks here, and date-time (its own checker
    needs a package Debian does not ship): timestamps as RFC 3339."""
    checker = jsonschema.FormatChecker(
        jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers)

    @checker.checks("date-time")
    def date_time(value):
        return not isinstance(value, str) or bool(RFC3339.match(value))

    return checker


FORMATS = _formats()


@functools.lru_cache(maxsize=None)
def describe(path=str(SPEC)):
    """The description at path, parsed once per process (31k lines)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as f:
        return Description(yaml.load(f, Loader=loader))


class Operation:
    def __init__(self, doc, template, method, op, path_params):
        self.doc = doc
        self.template = template
        self.method = method
        self.op = op
        self.path_params = path_params   # name -> value from the path

    def __repr__(self):
        return f"{self.method.upper()} {self.template}"

    @property
    def parameters(self):
        shared = self.doc.spec["paths"][self.template].get("parameters", [])
        params = {(p["name"], p["in"]): p for p in
                  (self.doc.deref(x) for x in shared)}
        for x in self.op.get("parameters", []):
            p = self.doc.deref(x)
            params[(p["name"], p["in"])] = p
        return list(params.values())

    @property
    def security(self):
        """The alternatives (each a list of scheme names); [] or an empty
        alternative: no credential needed."""
        sec = self.op.get("security", self.doc.spec.get("security", []))
        return [list(alt) for alt in sec]


class Description:
    def __init__(self, spec):
        self.spec = spec
        self.resolver = jsonschema.RefResolver("", spec)
        self._templates = []
        for template, item in spec["paths"].items():
            names = re.findall(r"\{([^}]+)\}", template)
            rx = "^" + re.sub(r"\\\{[^}]+\\\}", "([^/]+)",
                              re.escape(template)) + "$"
            # literal paths first, then the fewest parameters
            self._templates.append((len(names), template, re.compile(rx),
                                    names, item))
        self._templates.sort(key=lambda t: (t[0], t[1]))

    def deref(self, node):
        while isinstance(node, dict) and "$ref" in node:
            _, node = self.resolver.resolve(node["$ref"])
        return node

    # --- finding the operation -------------------------------------------

    def operation(self, method, path):
        """The operation for (method, path); path without the query, as
        sent (percent-escapes decoded in parameters). None if undescribed."""
        method = method.lower()
        for _, template, rx, names, item in self._templates:
            m = rx.match(path)
            if m and method in item:
                values = {n: urllib.parse.unquote(v)
                          for n, v in zip(names, m.groups())}
                return Operation(self, template, method, item[method],
                                 values)
        return None

    # --- schemas -----------------------------------------------------------

    def schema_errors(self, schema, value, where):
        validator = jsonschema.Draft202012Validator(
            schema, resolver=self.resolver, format_checker=FORMATS)
        out = []
        for e in sorted(validator.iter_errors(value), key=lambda e: list(
                e.absolute_path)):
            at = "/".join(str(x) for x in e.absolute_path)
            out.append(f"{where}{'/' + at if at else ''}: "
                       f"{_best(e).message}")
        return out

    # --- requests ----------------------------------------------------------

    def check_request(self, method, target, headers, body):
        """Problems with a request: method and path described, query
        parameters, credential, body. target is the path with its query;
        headers a dict (any case); body bytes (or None)."""
        path, _, query = target.partition("?")
        op = self.operation(method, path)
        if op is None:
            return [f"{method} {path}: no such operation in the description"]
        where = repr(op)
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        problems = []
        for name, value in op.path_params.items():
            p = next((x for x in op.parameters if x["in"] == "path"
                      and x["name"] == name), None)
            if p is not None:
                problems += self.schema_errors(
                    p.get("schema", {}), value, f"{where} path {name}")
        problems += self._check_query(op, query, where)
        problems += self._check_security(op, headers, where)
        problems += self._check_body(op, headers, body, where)
        return problems

    def _check_query(self, op, query, where):
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        sent = {}
        for k, v in pairs:
            sent.setdefault(k, []).append(v)
        declared = {p["name"]: p for p in op.parameters if p["in"] == "query"}
        problems = [f"{where}: query parameter {k!r} is not in the "
                    "description" for k in sent if k not in declared]
        for name, p in declared.items():
            if name not in sent:
                if p.get("required"):
                    problems.append(f"{where}: required query parameter "
                                    f"{name!r} missing")
                continue
            schema = self.deref(p.get("schema", {}))
            values = sent[name]
            kind = _type_of(schema)
            if kind == "array":
                explode = p.get("explode", p.get("style", "form") == "form")
                if not explode:
                    if len(values) != 1:
                        problems.append(
                            f"{where}: {name!r} sent {len(values)} times; "
                            "the description wants one comma-separated "
                            "value (explode: false)")
                    value = values[0].split(",") if values[0] else []
                else:
                    value = values
                items = self.deref(schema.get("items", {}))
                value = [_coerce(v, _type_of(items)) for v in value]
            else:
                if len(values) != 1:
                    problems.append(f"{where}: {name!r} sent "
                                    f"{len(values)} times")
                value = _coerce(values[0], kind)
            problems += self.schema_errors(schema, value,
                                           f"{where} query {name}")
        return problems

    def _check_security(self, op, headers, where):
        alts = op.security
        if not alts or any(not a for a in alts):
            return []
        auth = headers.get("authorization", "")
        for alt in alts:
            ok = True
            for name in alt:
                scheme = self.spec["components"]["securitySchemes"][name]
                if scheme.get("type") == "http" and scheme.get(
                        "scheme", "").lower() == "bearer":
                    ok = ok and auth.lower().startswith("bearer ") \
                        and len(auth) > 7
            if ok:
                return []
        return [f"{where}: no credential as the description requires "
                f"({' or '.join('+'.join(a) for a in alts)}: "
                "Authorization: Bearer <API key>)"]

    def _check_body(self, op, headers, body, where):
        rb = self.deref(op.op.get("requestBody"))
        if not rb:
            return [f"{where}: sends a body the description does not take"] \
                if body else []
        if not body:
            return [f"{where}: required request body missing"] \
                if rb.get("required") else []
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        content = rb.get("content", {})
        if ctype not in content:
            return [f"{where}: request body as {ctype or 'no type'}; the "
                    f"description takes {sorted(content)}"]
        try:
            value = _decode(ctype, body)
        except ValueError as e:
            return [f"{where}: request body is not {ctype}: {e}"]
        return self.schema_errors(content[ctype].get("schema", {}), value,
                                  f"{where} request body")

    # --- answers -----------------------------------------------------------

    def check_response(self, method, target, status, headers, body):
        """Problems with an answer to (method, target): a status the
        description lists for the operation, and a body (JSON) that its
        schema for that status takes."""
        path = target.partition("?")[0]
        op = self.operation(method, path)
        if op is None:
            return [f"{method} {path}: no such operation in the description"]
        where = f"{op!r} -> {status}"
        responses = op.op.get("responses", {})
        resp = None
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in responses:
                resp = self.deref(responses[key])
                break
        if resp is None:
            return [f"{where}: status not in the description (it lists "
                    f"{sorted(responses)})"]
        content = resp.get("content")
        if not content:
            return []
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype not in content:
            return [f"{where}: answer as {ctype or 'no type'}; the "
                    f"description gives {sorted(content)}"]
        try:
            value = _decode(ctype, body)
        except ValueError as e:
            return [f"{where}: answer is not {ctype}: {e}"]
        return self.schema_errors(content[ctype].get("schema", {}), value,
                                  f"{where} answer")


def _best(error):
    """The deepest, most telling error of a oneOf/anyOf miss."""
    return jsonschema.exceptions.best_match([error]) or error


def _type_of(schema):
    t = schema.get("type") if isinstance(schema, dict) else None
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    return t


def _coerce(text, kind):
    """A query value as the JSON value its schema's type means; left as
    text when it is not one (the schema then says why)."""
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        return text
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def _decode(ctype, body):
    if isinstance(body, str):
        body = body.encode()
    if ctype == "application/json" or ctype.endswith("+json"):
        try:
            return json.loads(body or b"")
        except ValueError as e:
            raise ValueError(str(e)) from None
    if ctype == "application/x-www-form-urlencoded":
        out = {}
        for k, v in urllib.parse.parse_qsl(body.decode(),
                                           keep_blank_values=True):
            out.setdefault(k, []).append(v)
        return {k: v[0] if len(v) == 1 else v for k, v in out.items()}
    return body.decode(errors="replace")
