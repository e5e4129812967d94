"""A stateful stand-in for the Jira REST API (v2), for the real `jira` client.

Usage (a pytest fixture)::

    from tests.standins.jira import jira_standin

    @pytest.fixture
    def jira():
        with jira_standin() as server:   # deployment_type="Cloud" for the Cloud search API
            yield server

    server.url                              # http://127.0.0.1:PORT  -> the Jira URL
    server.email, server.api_token          # basic auth (Cloud)
    server.pat                              # bearer personal access token (Data Center)
    server.project                          # "SHOP"; issue types Bug and Task

State: issues with summary, description, labels, priority, status, resolution, comments and
attachments (multipart `POST …/attachments` with `X-Atlassian-Token: no-check`);
a workflow To Do → In Progress → In Review → Done → Reopened whose transitions are named
differently from their target statuses (as real workflows are), and whose Done screen takes a
resolution. JQL: `field = "value"` clauses joined by AND (project, labels, status, issuetype)
and ORDER BY created/key; anything else is a 400 like Jira's parser. Project permissions can
be withheld (`permissions=`) and faults injected with `fail(...)` from the base class.
"""

from __future__ import annotations

import base64
import email.policy
import itertools
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesParser
from typing import Any

from tests.standins._http import Request, Response, StandInServer, json_response

ALL_PERMISSIONS = frozenset({
    "BROWSE_PROJECTS", "CREATE_ISSUES", "ADD_COMMENTS", "TRANSITION_ISSUES",
    "RESOLVE_ISSUES", "EDIT_ISSUES",
})
PERMISSION_NAMES = {
    "BROWSE_PROJECTS": "Browse Projects", "CREATE_ISSUES": "Create Issues",
    "ADD_COMMENTS": "Add Comments", "TRANSITION_ISSUES": "Transition Issues",
    "RESOLVE_ISSUES": "Resolve Issues", "EDIT_ISSUES": "Edit Issues",
}
STATUSES = {  # name -> (id, statusCategory key)
    "To Do": ("1", "new"), "In Progress": ("3", "indeterminate"),
    "In Review": ("10001", "indeterminate"), "Done": ("10002", "done"),
    "Reopened": ("4", "new"),
}
PRIORITIES = ["Highest", "High", "Medium", "Low", "Lowest"]
RESOLUTIONS = ["Fixed", "Won't Fix", "Duplicate", "Done"]
_R = "/rest/api/2"


@dataclass
class Transition:
    id: str
    name: str
    to: str
    sources: tuple[str, ...] | None = None  # None: from any other status
    screen: frozenset[str] = frozenset()  # fields the transition screen accepts


DEFAULT_WORKFLOW = [
    Transition("11", "Start Progress", "In Progress", ("To Do", "Reopened", "In Review")),
    Transition("21", "Send to Review", "In Review", ("To Do", "In Progress", "Reopened")),
    Transition("31", "Resolve", "Done", ("To Do", "In Progress", "In Review", "Reopened"),
               frozenset({"resolution"})),
    Transition("41", "Reopen Issue", "Reopened", ("Done",)),
]


@dataclass
class Issue:
    id: int
    key: str
    fields: dict[str, Any]
    comments: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)  # with their bytes
    created: datetime = field(default_factory=lambda: datetime.now(UTC))


class JiraStandIn(StandInServer):
    def __init__(
        self,
        *,
        project: str = "SHOP",
        deployment_type: str = "Server",
        permissions: frozenset[str] = ALL_PERMISSIONS,
        workflow: list[Transition] | None = None,
    ) -> None:
        super().__init__()
        self.project = project
        self.deployment_type = deployment_type
        self.permissions = set(permissions)
        self.workflow = workflow or list(DEFAULT_WORKFLOW)
        self.email = "bot@example.com"
        self.api_token = "atl-" + secrets.token_hex(12)
        self.pat = "pat-" + secrets.token_hex(12)
        self.issues: dict[str, Issue] = {}
        self._ids = itertools.count(10000)
        self._register()

    @property
    def url(self) -> str:
        return self.origin

    # ------------------------------------------------------------ helpers

    def issue(self, key: str) -> Issue:
        return self.issues[key]

    def status_of(self, key: str) -> str:
        return str(self.issues[key].fields["status"]["name"])

    def _authed(self, req: Request) -> bool:
        scheme, _, cred = req.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            return secrets.compare_digest(cred, self.pat)
        if scheme.lower() == "basic":
            user, _, password = base64.b64decode(cred).decode().partition(":")
            return user == self.email and secrets.compare_digest(password, self.api_token)
        return False

    def _denied(self, req: Request) -> Response | None:
        if self._authed(req):
            return None
        return json_response(
            401,
            {"errorMessages": ["You are not authenticated. Authentication required to "
                               "perform this operation."], "errors": {}},
            {"X-Seraph-LoginReason": "AUTHENTICATED_FAILED", "WWW-Authenticate": "Basic"},
        )

    def _status_json(self, name: str) -> dict[str, Any]:
        sid, cat = STATUSES[name]
        return {"self": f"{self.url}{_R}/status/{sid}", "id": sid, "name": name,
                "statusCategory": {"key": cat, "name": cat}}

    def _issue_json(self, issue: Issue) -> dict[str, Any]:
        return {
            "id": str(issue.id), "key": issue.key, "self": f"{self.url}{_R}/issue/{issue.id}",
            "fields": {
                **issue.fields,
                "created": issue.created.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                "comment": {"comments": issue.comments, "total": len(issue.comments)},
                "attachment": [{k: v for k, v in a.items() if k != "data"}
                               for a in issue.attachments],
            },
        }

    def _find(self, req: Request) -> Issue | Response:
        key = req.params["key"]
        issue = self.issues.get(key) or next(
            (i for i in self.issues.values() if str(i.id) == key), None)
        if issue is None or "BROWSE_PROJECTS" not in self.permissions:
            return json_response(404, {"errorMessages": ["Issue Does Not Exist"], "errors": {}})
        return issue

    # ------------------------------------------------------------ routes

    def _register(self) -> None:
        r = self.route
        r("GET", _R + r"/serverInfo", self._server_info)
        r("GET", _R + r"/field", self._fields)
        r("GET", _R + r"/myself", self._myself)
        r("GET", _R + r"/project/(?P<key>[^/]+)", self._get_project)
        r("GET", _R + r"/mypermissions", self._my_permissions)
        r("GET", _R + r"/priority", self._priorities)
        r("GET", _R + r"/resolution", self._resolutions)
        r("GET", _R + r"/search", self._search)
        r("GET", _R + r"/search/jql", self._search)
        r("POST", _R + r"/issue", self._create)
        r("GET", _R + r"/issue/(?P<key>[^/]+)", self._get)
        r("POST", _R + r"/issue/(?P<key>[^/]+)/comment", self._comment)
        r("POST", _R + r"/issue/(?P<key>[^/]+)/attachments", self._attach)
        r("GET", _R + r"/issue/(?P<key>[^/]+)/transitions", self._transitions)
        r("POST", _R + r"/issue/(?P<key>[^/]+)/transitions", self._transition)

    def _server_info(self, req: Request) -> Response:  # answered anonymously, as Jira does
        return json_response(200, {
            "baseUrl": self.url, "version": "9.12.2", "versionNumbers": [9, 12, 2],
            "deploymentType": self.deployment_type, "buildNumber": 9120002,
            "serverTitle": "Jira stand-in",
        })

    def _fields(self, req: Request) -> Response:
        if denied := self._denied(req):
            return denied
        names = ["summary", "description", "labels", "priority", "status", "issuetype",
                 "project", "resolution", "created", "comment"]
        return json_response(200, [
            {"id": n, "key": n, "name": n.capitalize(), "custom": False, "navigable": True,
             "searchable": True, "clauseNames": [n], "schema": {"type": "string"}}
            for n in names
        ])

    def _myself(self, req: Request) -> Response:
        if denied := self._denied(req):
            return denied
        return json_response(200, {"name": "alertfix", "accountId": "5b10ac8d82e05b22cc7d4ef5",
                                   "displayName": "alertfix bot", "emailAddress": self.email,
                                   "active": True})

    def _get_project(self, req: Request) -> Response:
        if denied := self._denied(req):
            return denied
        if req.params["key"] != self.project or "BROWSE_PROJECTS" not in self.permissions:
            return json_response(404, {"errorMessages": [
                f"No project could be found with key '{req.params['key']}'."], "errors": {}})
        return json_response(200, {
            "id": "10000", "key": self.project, "name": "Shop",
            "self": f"{self.url}{_R}/project/10000",
            "issueTypes": [{"id": "1", "name": "Bug"}, {"id": "3", "name": "Task"}],
        })

    def _my_permissions(self, req: Request) -> Response:
        if denied := self._denied(req):
            return denied
        wanted = (req.arg("permissions") or ",".join(PERMISSION_NAMES)).split(",")
        return json_response(200, {"permissions": {
            key: {"id": str(i), "key": key, "name": PERMISSION_NAMES.get(key, key),
                  "type": "PROJECT", "havePermission": key in self.permissions}
            for i, key in enumerate(wanted)
        }})

    def _priorities(self, req: Request) -> Response:
        if denied := self._denied(req):
            return denied
        return json_response(200, [{"id": str(i + 1), "name": n,
                                    "self": f"{self.url}{_R}/priority/{i + 1}"}
                                   for i, n in enumerate(PRIORITIES)])

    def _resolutions(self, req: Request) -> Response:
        if denied := self._denied(req):
            return denied
        return json_response(200, [{"id": str(i + 1), "name": n,
                                    "self": f"{self.url}{_R}/resolution/{i + 1}"}
                                   for i, n in enumerate(RESOLUTIONS)])

    def _search(self, req: Request) -> Response:
        if denied := self._denied(req):
            return denied
        try:
            matches = self._jql(req.arg("jql") or "")
        except ValueError as exc:
            return json_response(400, {"errorMessages": [str(exc)], "errors": {}})
        start = int(req.arg("startAt", "0") or 0)
        size = int(req.arg("maxResults", "50") or 50)
        page = matches[start:start + size]
        body: dict[str, Any] = {"issues": [self._issue_json(i) for i in page]}
        if req.path.endswith("/jql"):
            body["isLast"] = True
        else:
            body.update(startAt=start, maxResults=size, total=len(matches))
        return json_response(200, body)

    def _jql(self, jql: str) -> list[Issue]:
        """The JQL subset alertfix uses; anything else is rejected as Jira would."""
        where = re.split(r"(?i)\s*order\s+by\s+", jql, maxsplit=1)[0]
        order_match = re.search(r"(?i)order\s+by\s+(\w+)\s*(asc|desc)?\s*$", jql)
        clauses = [c.strip() for c in re.split(r"(?i)\s+and\s+", where) if c.strip()]
        tests = []
        for clause in clauses:
            m = re.fullmatch(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([\w.-]+))', clause)
            if not m:
                raise ValueError(f"Error in the JQL Query: cannot parse '{clause}'.")
            name, value = m.group(1).lower(), (m.group(2) or m.group(3) or "").replace('\\"', '"')
            if name not in ("project", "labels", "status", "issuetype"):
                raise ValueError(f"Field '{name}' does not exist or you do not have permission "
                                 "to view it.")
            tests.append((name, value))

        def ok(issue: Issue) -> bool:
            f = issue.fields
            have = {"project": [f["project"]["key"]], "labels": f["labels"],
                    "status": [f["status"]["name"]], "issuetype": [f["issuetype"]["name"]]}
            return all(v.lower() in [x.lower() for x in have[n]] for n, v in tests)

        found = [i for i in self.issues.values() if ok(i)]
        if order_match:
            reverse = (order_match.group(2) or "asc").lower() == "desc"
            found.sort(key=lambda i: (i.created, i.id), reverse=reverse)
        return found if "BROWSE_PROJECTS" in self.permissions else []

    def _create(self, req: Request) -> Response:
        if denied := self._denied(req):
            return denied
        fields = req.json().get("fields", {})
        errors: dict[str, str] = {}
        if fields.get("project", {}).get("key") != self.project:
            errors["project"] = "valid project is required"
        elif "CREATE_ISSUES" not in self.permissions:
            errors["project"] = "You do not have permission to create issues in this project."
        if not fields.get("summary"):
            errors["summary"] = "You must specify a summary of the issue."
        if fields.get("issuetype", {}).get("name") not in ("Bug", "Task"):
            errors["issuetype"] = "valid issue type is required"
        prio = fields.get("priority", {}).get("name")
        if prio is not None and prio not in PRIORITIES:
            errors["priority"] = f"The priority selected is invalid: {prio}"
        if any(" " in label for label in fields.get("labels", [])):
            errors["labels"] = "The label must not contain spaces."
        if errors:
            return json_response(400, {"errorMessages": [], "errors": errors})
        with self.lock:
            iid = next(self._ids)
            key = f"{self.project}-{len(self.issues) + 1}"
            self.issues[key] = Issue(iid, key, {
                "summary": fields["summary"], "description": fields.get("description"),
                "labels": list(fields.get("labels", [])),
                "priority": {"name": prio or "Medium"},
                "issuetype": {"name": fields["issuetype"]["name"]},
                "project": {"key": self.project}, "status": self._status_json("To Do"),
                "resolution": None,
            })
        return json_response(201, {"id": str(iid), "key": key,
                                   "self": f"{self.url}{_R}/issue/{iid}"})

    def _get(self, req: Request) -> Response:
        if denied := self._denied(req):
            return denied
        found = self._find(req)
        if isinstance(found, Response):
            return found
        return json_response(200, self._issue_json(found))

    def _comment(self, req: Request) -> Response:
        if denied := self._denied(req):
            return denied
        found = self._find(req)
        if isinstance(found, Response):
            return found
        if "ADD_COMMENTS" not in self.permissions:
            return json_response(403, {"errorMessages": [
                "You do not have the permission to comment on this issue."], "errors": {}})
        with self.lock:
            cid = next(self._ids)
            comment = {"id": str(cid), "body": req.json()["body"],
                       "self": f"{self.url}{_R}/issue/{found.id}/comment/{cid}",
                       "author": {"name": "alertfix"}, "created": "2026-01-01T00:00:00.000+0000"}
            found.comments.append(comment)
        return json_response(201, comment)

    def _attach(self, req: Request) -> Response:
        if denied := self._denied(req):
            return denied
        found = self._find(req)
        if isinstance(found, Response):
            return found
        if req.headers.get("x-atlassian-token") != "no-check":  # Jira's XSRF check
            return json_response(403, {"message": "XSRF check failed"})
        content_type = req.headers.get("content-type", "")
        message = BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + req.body)
        parts = [p for p in message.iter_parts()
                 if p.get_param("name", header="content-disposition") == "file"] \
            if message.is_multipart() else []
        if not parts:
            return json_response(400, {"errorMessages": ["no file part named 'file'"]})
        created = []
        with self.lock:
            for part in parts:
                aid = next(self._ids)
                data = part.get_payload(decode=True) or b""
                attachment = {
                    "self": f"{self.url}{_R}/attachment/{aid}", "id": str(aid),
                    "filename": part.get_filename() or "file", "size": len(data),
                    "mimeType": part.get_content_type(), "author": {"name": "alertfix"},
                    "created": "2026-01-01T00:00:00.000+0000",
                    "content": f"{self.url}/secure/attachment/{aid}/{part.get_filename()}",
                    "data": data}
                found.attachments.append(attachment)
                created.append({k: v for k, v in attachment.items() if k != "data"})
        return json_response(200, created)

    def _available(self, issue: Issue) -> list[Transition]:
        if "TRANSITION_ISSUES" not in self.permissions:
            return []  # Jira lists only the transitions the user may perform
        status = issue.fields["status"]["name"]
        return [t for t in self.workflow
                if t.to != status and (t.sources is None or status in t.sources)]

    def _transitions(self, req: Request) -> Response:
        if denied := self._denied(req):
            return denied
        found = self._find(req)
        if isinstance(found, Response):
            return found
        out = []
        for t in self._available(found):
            item: dict[str, Any] = {"id": t.id, "name": t.name, "to": self._status_json(t.to)}
            if "transitions.fields" in (req.arg("expand") or ""):
                item["fields"] = {f: {"required": False, "name": f.capitalize()}
                                  for f in t.screen}
            out.append(item)
        return json_response(200, {"expand": "transitions", "transitions": out})

    def _transition(self, req: Request) -> Response:
        if denied := self._denied(req):
            return denied
        found = self._find(req)
        if isinstance(found, Response):
            return found
        data = req.json()
        tid = str(data.get("transition", {}).get("id"))
        chosen = next((t for t in self._available(found) if t.id == tid), None)
        if chosen is None:
            return json_response(400, {"errorMessages": [
                f"Transition id '{tid}' is not valid for this issue."], "errors": {}})
        fields = data.get("fields") or {}
        extra = set(fields) - set(chosen.screen)
        if extra:
            name = sorted(extra)[0]
            return json_response(400, {"errorMessages": [], "errors": {
                name: f"Field '{name}' cannot be set. It is not on the appropriate screen, "
                      "or unknown."}})
        resolution = fields.get("resolution", {}).get("name") if fields else None
        if resolution is not None and resolution not in RESOLUTIONS:
            return json_response(400, {"errorMessages": [], "errors": {
                "resolution": f"Resolution '{resolution}' does not exist."}})
        with self.lock:
            found.fields["status"] = self._status_json(chosen.to)
            if STATUSES[chosen.to][1] == "done":
                found.fields["resolution"] = {"name": resolution or "Done"}
            else:
                found.fields["resolution"] = None  # Jira's reopen post-function clears it
        return Response(204)


@contextmanager
def jira_standin(**kwargs: Any) -> Iterator[JiraStandIn]:
    """Start a Jira stand-in; stopped when the block ends."""
    server = JiraStandIn(**kwargs)
    with server.running():
        yield server
