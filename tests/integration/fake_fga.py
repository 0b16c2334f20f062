# SPDX-License-Identifier: Apache-2.0
"""WorkOS FGA in the fake WorkOS: POST /authorization/organization_memberships
/{om_id}/check with the semantics of WorkOS's docs (fga/resources,
roles-and-permissions, access-checks) and the status codes of
@workos/openapi-spec:

- resource types, and resources of a type in an organisation, with a
  parent; an external id is unique per (organisation, type);
- roles scoped to a resource type, each with permissions; organisation
  roles (type None) grant on every resource of the organisation;
- role assignments on memberships, on a resource; what a role grants on a
  resource it grants on every resource below it;
- 404 for an unknown membership or resource (or one of another
  organisation); 422 for a body that is not one of the two shapes.

Modes for the error cases: ok | down (500) | slow (delay, then ok) |
429 (with Retry-After) | no_bool (an answer without "authorized")."""
import json
import threading
import time


class FakeFGA:
    def __init__(self, workos):
        self.workos = workos          # the fake WorkOS: its memberships
        self.lock = threading.Lock()
        self.types = {}               # slug -> parent type slug or None
        self.resources = {}           # id -> dict
        self.roles = {}               # slug -> {"type", "permissions"}
        self.assignments = []         # (om id, role slug, resource id|None)
        self.mode = "ok"
        self.delay = 0.0
        self.checks = []              # (om id, body bytes) of every check
        self.seq = 0

    # ---- the model a test sets up -------------------------------------

    def add_type(self, slug, parent=None):
        self.types[slug] = parent

    def add_resource(self, org, type_slug, external_id, parent=None):
        assert type_slug in self.types, type_slug
        for r in self.resources.values():
            assert not (r["organization_id"] == org
                        and r["type"] == type_slug
                        and r["external_id"] == external_id), "duplicate"
        if parent is not None:
            assert self.resources[parent]["organization_id"] == org
        self.seq += 1
        rid = f"authz_resource_{self.seq:04d}"
        self.resources[rid] = {"id": rid, "organization_id": org,
                               "type": type_slug, "external_id": external_id,
                               "parent": parent}
        return rid

    def add_role(self, slug, permissions, type_slug=None):
        """type_slug None: an organisation role."""
        self.roles[slug] = {"type": type_slug,
                            "permissions": set(permissions)}

    def assign(self, om, role, resource=None):
        role_type = self.roles[role]["type"]
        if resource is not None:
            assert self.resources[resource]["type"] == role_type, \
                "a role is assigned on a resource of its type"
        else:
            assert role_type is None, "only organisation roles org-wide"
        with self.lock:
            self.assignments.append((om, role, resource))

    def unassign(self, om, role, resource=None):
        with self.lock:
            self.assignments.remove((om, role, resource))

    # ---- the API --------------------------------------------------------

    def membership_org(self, om):
        with self.workos.lock:
            orgs = list(self.workos.memberships)
        # the ids the fake's membership list gives (fake_workos.py)
        ids = {f"om_{i:04d}": org for i, org in enumerate(orgs)}
        return ids.get(om)

    def owns(self, path):
        return path.startswith("/authorization/")

    def serve(self, handler, path, body):
        """Answers a POST under /authorization/ on handler."""
        status, answer, headers = self.post(path, body)
        # through the fake's own _send: recorded with the other exchanges
        handler._send(status, json.dumps(answer).encode(), headers=headers)

    def post(self, path, body):
        """(status, body bytes, headers) for a POST under /authorization/."""
        parts = path.split("/")
        if len(parts) != 5 or parts[2] != "organization_memberships" \
                or parts[4] != "check":
            return 404, {"message": "Not Found"}, {}
        om = parts[3]
        with self.lock:
            self.checks.append((om, body))
        if self.mode == "slow":
            time.sleep(self.delay)
        if self.mode == "down":
            return 500, {"message": "Internal Server Error"}, {}
        if self.mode == "429":
            return 429, {"message": "Too Many Requests"}, {"Retry-After": "7"}
        try:
            req = json.loads(body)
        except ValueError:
            return 422, {"message": "Body is not JSON"}, {}
        if not isinstance(req, dict) or \
                not isinstance(req.get("permission_slug"), str):
            return 422, {"message": "permission_slug is required"}, {}
        by_id = set(req) == {"permission_slug", "resource_id"}
        by_ext = set(req) == {"permission_slug", "resource_external_id",
                              "resource_type_slug"}
        if not (by_id or by_ext) or not all(
                isinstance(v, str) for v in req.values()):
            return 422, {"message": "Give resource_id, or "
                         "resource_external_id with resource_type_slug"}, {}
        org = self.membership_org(om)
        if org is None:
            return 404, {"message": f"Organization membership not found: "
                         f"'{om}'."}, {}
        target = self.find(org, req)
        if target is None:
            return 404, {"message": "Resource not found."}, {}
        if self.mode == "no_bool":
            return 200, {"authorized": "yes"}, {}
        return 200, {"authorized": self.authorized(
            om, req["permission_slug"], target)}, {}

    def find(self, org, req):
        if "resource_id" in req:
            r = self.resources.get(req["resource_id"])
            return r if r and r["organization_id"] == org else None
        for r in self.resources.values():
            if (r["organization_id"] == org
                    and r["type"] == req["resource_type_slug"]
                    and r["external_id"] == req["resource_external_id"]):
                return r
        return None

    def ancestors(self, r):
        """r and every resource above it."""
        out = []
        while r is not None:
            out.append(r["id"])
            r = self.resources.get(r["parent"]) if r["parent"] else None
        return out

    def authorized(self, om, permission, target):
        above = self.ancestors(target)
        with self.lock:
            mine = [(role, res) for o, role, res in self.assignments
                    if o == om]
        for role, res in mine:
            if permission not in self.roles[role]["permissions"]:
                continue
            if res is None or res in above:
                return True
        return False
