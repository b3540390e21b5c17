"""A small fake of KFP's REST API v2beta1 for kf's tests, run with the python of .tools/kfp.

  python kfp_fake_server.py        serve on 127.0.0.1 on a free port; the first line on stdout is "PORT <n>"

Every request body is parsed with the installed kfp_server_api models (ApiClient().deserialize into the model the
API declares, every key checked against the model's fields, nested models included); pipeline specs, inline or
uploaded, are parsed into kfp's PipelineSpec proto. A body that does not parse gets KFP's error answer (400).
Each request is recorded (method, path, query, Authorization header, content type, parsed body) and the record
is served at GET /_fake/requests (keys sorted, so records compare whatever order a client wrote); POST /_fake/reset clears it; POST /_fake/fail {"method", "path", "status",
"body"} makes the next matching request fail with that answer.

Runs move on at each GET: PENDING, RUNNING, then SUCCEEDED (FAILED when the display name contains "fail"), with
task_details built from the root DAG's tasks; retry makes a failed run RUNNING, terminate makes it CANCELED.
It also answers the Kubernetes API's pod log (GET /api/v1/namespaces/NS/pods/POD/log) for the Pods the runs name.
"""
import datetime
import email.parser
import email.policy
import json
import sys
import threading
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import kfp_server_api
import yaml
from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2

API = kfp_server_api.ApiClient()
LOCK = threading.Lock()
RECORDED = []
FAILURES = []
PIPELINES = {}   # id -> pipeline dict
VERSIONS = {}    # pipeline id -> [version dict]
EXPERIMENTS = {}
RUNS = {}
CLOCK = [datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)]


class BadRequest(Exception):
    pass


class NotFound(Exception):
    pass


def now():
    CLOCK[0] += datetime.timedelta(seconds=1)
    return CLOCK[0].strftime("%Y-%m-%dT%H:%M:%SZ")


class Raw:
    def __init__(self, data):
        self.data = data


def check_fields(data, type_name, where):
    """Every key of `data` must be a field of the model `type_name` (recursively for nested models)."""
    if data is None:
        return
    if type_name.startswith("list["):
        if not isinstance(data, list):
            raise BadRequest(f"{where}: expected a list")
        for i, item in enumerate(data):
            check_fields(item, type_name[5:-1], f"{where}[{i}]")
        return
    if type_name.startswith("dict("):
        inner = type_name[5:-1].split(",", 1)[1].strip()
        if not isinstance(data, dict):
            raise BadRequest(f"{where}: expected an object")
        for key, item in data.items():
            check_fields(item, inner, f"{where}.{key}")
        return
    klass = getattr(kfp_server_api.models, type_name, None)
    if klass is None or not klass.openapi_types:
        return
    if not isinstance(data, dict):
        raise BadRequest(f"{where}: expected an object ({type_name})")
    fields = {json_key: attr for attr, json_key in klass.attribute_map.items()}
    for key, item in data.items():
        if key not in fields:
            raise BadRequest(f"{where}: unknown field {key!r} of {type_name}")
        check_fields(item, klass.openapi_types[fields[key]], f"{where}.{key}")


def parse_model(raw, type_name):
    try:
        data = json.loads(raw)
    except ValueError as error:
        raise BadRequest(f"the body is not JSON: {error}")
    check_fields(data, type_name, "body")
    try:
        model = API.deserialize(Raw(raw), type_name)
    except Exception as error:  # the models' validation raises ValueError and friends
        raise BadRequest(f"the body is not a {type_name}: {error}")
    return API.sanitize_for_serialization(model)


def parse_pipeline_spec(document, where):
    """A pipeline spec (or {pipeline_spec, platform_spec}) parsed into kfp's proto; returns its canonical JSON."""
    if isinstance(document, dict) and "pipeline_spec" in document:
        document = document["pipeline_spec"]
    try:
        spec = json_format.ParseDict(document, pipeline_spec_pb2.PipelineSpec())
    except Exception as error:
        raise BadRequest(f"{where}: invalid pipeline spec: {error}")
    if not spec.pipeline_info.name:
        raise BadRequest(f"{where}: the pipeline spec has no pipelineInfo.name")
    return json.loads(json_format.MessageToJson(spec, sort_keys=True))


def parse_multipart(content_type, body):
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    if not message.is_multipart():
        raise BadRequest("expected multipart/form-data")
    form = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        form[name] = {"filename": part.get_filename(), "content": part.get_payload(decode=True)}
    if "uploadfile" not in form:
        raise BadRequest("the form has no uploadfile")
    upload = form["uploadfile"]
    filename = upload["filename"] or ""
    if not filename.endswith((".yaml", ".yml", ".json")):
        raise BadRequest(f"unexpected file name {filename!r}")
    documents = list(yaml.safe_load_all(upload["content"]))
    if not documents:
        raise BadRequest("the uploaded file is empty")
    spec = parse_pipeline_spec(documents[0], "uploadfile")
    return {"fields": sorted(form), "filename": filename, "pipeline_spec": spec}


def error_answer(status, message):
    codes = {400: 3, 404: 5, 409: 6, 500: 13}
    return status, {"error": message, "code": codes.get(status, 2), "message": message, "details": []}


def task_details(run, state):
    spec = run.get("_spec") or {}
    tasks = sorted(((spec.get("root") or {}).get("dag") or {}).get("tasks", {}))
    root_id = run["run_id"] + "-root"
    details = [{"run_id": run["run_id"], "task_id": root_id, "display_name": "root", "state": state,
                "create_time": run["created_at"], "start_time": run["created_at"]}]
    for index, name in enumerate(tasks):
        task_state = state
        if state == "FAILED":
            task_state = "FAILED" if index == len(tasks) - 1 else "SUCCEEDED"
        detail = {"run_id": run["run_id"], "task_id": f"{run['run_id']}-{name}", "display_name": name,
                  "state": task_state, "parent_task_id": root_id, "pod_name": f"{run['run_id'][:8]}-{name}",
                  "create_time": run["created_at"], "start_time": run["created_at"]}
        if task_state in ("SUCCEEDED", "FAILED"):
            detail["end_time"] = run["created_at"]
        if task_state == "FAILED":
            detail["error"] = {"code": 2, "message": f"task {name} exited with 1"}
        details.append(detail)
    return details


def advance(run):
    order = {"PENDING": "RUNNING", "RUNNING": "FAILED" if "fail" in run["display_name"] and not run.get("_retried") else "SUCCEEDED"}
    state = order.get(run["state"], run["state"])
    if state == "CANCELING":
        state = "CANCELED"
    if state != run["state"]:
        run["state"] = state
        run.setdefault("state_history", []).append({"update_time": now(), "state": state})
        if state in ("SUCCEEDED", "FAILED", "CANCELED"):
            run["finished_at"] = now()
        if state == "FAILED":
            run["error"] = {"code": 2, "message": "a task failed"}
    run["run_details"] = {"task_details": task_details(run, run["state"])}


def public(item):
    return {key: value for key, value in item.items() if not key.startswith("_")}


OPERATIONS = {1: "EQUALS", 2: "NOT_EQUALS", 3: "GREATER_THAN", 5: "GREATER_THAN_EQUALS", 6: "LESS_THAN",
              7: "LESS_THAN_EQUALS", 8: "IN", 9: "IS_SUBSTRING"}


def snake(key):
    return "".join("_" + c.lower() if c.isupper() else c for c in key)


def matches(item, filter_text):
    """The filter query parameter as the server reads it (protojson: camelCase or snake_case names, enums by
    number or name), then parsed with the V2beta1Filter model."""
    if not filter_text:
        return True
    try:
        data = json.loads(filter_text)
    except ValueError as error:
        raise BadRequest(f"filter is not JSON: {error}")
    if not isinstance(data, dict):
        raise BadRequest("filter: expected an object")
    for predicate in data.get("predicates", []):
        for key in list(predicate):
            predicate[snake(key)] = predicate.pop(key)
        if isinstance(predicate.get("operation"), int):
            predicate["operation"] = OPERATIONS.get(predicate["operation"], "OPERATION_UNSPECIFIED")
    parsed = parse_model(json.dumps(data), "V2beta1Filter")
    for predicate in parsed.get("predicates", []):
        if predicate.get("operation") != "EQUALS":
            raise BadRequest(f"the fake only knows EQUALS, not {predicate.get('operation')}")
        if item.get(predicate["key"]) != predicate.get("string_value"):
            return False
    return True


def page(items, query, key):
    size = int(query.get("page_size") or 0) or len(items) or 1
    start = int(query.get("page_token") or 0)
    chosen = items[start:start + size]
    answer = {key: [public(i) for i in chosen], "total_size": len(items)}
    if start + size < len(items):
        answer["next_page_token"] = str(start + size)
    return answer


def handle(method, path, query, content_type, body):
    """Returns (status, answer, parsed body)."""
    parsed = None
    if path == "/apis/v2beta1/healthz" and method == "GET":
        return 200, {"multi_user": False, "pipeline_store": "database"}, None
    if path == "/apis/v2beta1/pipelines/upload" and method == "POST":
        parsed = parse_multipart(content_type, body)
        name = query.get("name") or parsed["pipeline_spec"]["pipelineInfo"]["name"]
        if any(p["display_name"] == name for p in PIPELINES.values()):
            return (*error_answer(409, f"Failed to create a pipeline: pipeline {name} already exists"), parsed)
        pipeline_id = str(uuid.uuid4())
        pipeline = {"pipeline_id": pipeline_id, "name": name, "display_name": query.get("display_name") or name,
                    "created_at": now()}
        if query.get("description"):
            pipeline["description"] = query["description"]
        PIPELINES[pipeline_id] = pipeline
        VERSIONS[pipeline_id] = [{"pipeline_id": pipeline_id, "pipeline_version_id": str(uuid.uuid4()), "name": name,
                                  "display_name": name, "created_at": now(), "pipeline_spec": parsed["pipeline_spec"]}]
        return 200, pipeline, parsed
    if path == "/apis/v2beta1/pipelines/upload_version" and method == "POST":
        parsed = parse_multipart(content_type, body)
        pipeline_id = query.get("pipelineid")
        if pipeline_id not in PIPELINES:
            return (*error_answer(404, f"Pipeline {pipeline_id} not found"), parsed)
        name = query.get("name")
        if not name:
            return (*error_answer(400, "a version needs a name"), parsed)
        version = {"pipeline_id": pipeline_id, "pipeline_version_id": str(uuid.uuid4()), "name": name,
                   "display_name": query.get("display_name") or name, "created_at": now(),
                   "pipeline_spec": parsed["pipeline_spec"]}
        VERSIONS[pipeline_id].append(version)
        return 200, version, parsed
    parts = [p for p in path.split("/") if p]
    if parts[:3] == ["api", "v1", "namespaces"] and len(parts) == 7 and parts[4] == "pods" and parts[6] == "log":
        # The Kubernetes API's pod log, for `kf pipeline logs` (KFP's API serves none): the Pods the runs name.
        namespace, pod = parts[3], parts[5]
        known = {task.get("pod_name") for run in RUNS.values() for task in run.get("run_details", {}).get("task_details", [])}
        if method != "GET" or pod not in known:
            return 404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404,
                         "message": f'pods "{pod}" not found'}, None
        return 200, f"hello from {pod} in {namespace} ({query.get('container')})\nbye from {pod}\n", None
    if parts[:2] != ["apis", "v2beta1"]:
        raise NotFound(path)
    parts = parts[2:]
    if parts == ["pipelines"] and method == "GET":
        items = [p for p in PIPELINES.values() if matches(p, query.get("filter"))]
        return 200, page(items, query, "pipelines"), None
    if len(parts) >= 2 and parts[0] == "pipelines":
        pipeline_id = parts[1]
        if pipeline_id not in PIPELINES:
            return (*error_answer(404, f"Pipeline {pipeline_id} not found"), None)
        if len(parts) == 2 and method == "GET":
            return 200, PIPELINES[pipeline_id], None
        if len(parts) == 2 and method == "DELETE":
            if VERSIONS[pipeline_id] and query.get("cascade") != "true":
                return (*error_answer(400, "the pipeline has versions; delete them first or pass cascade"), None)
            del PIPELINES[pipeline_id]
            del VERSIONS[pipeline_id]
            return 200, {}, None
        if len(parts) == 3 and parts[2] == "versions" and method == "GET":
            items = sorted(VERSIONS[pipeline_id], key=lambda v: v["created_at"],
                           reverse=query.get("sort_by") == "created_at desc")
            return 200, page(items, query, "pipeline_versions"), None
        if len(parts) == 4 and parts[2] == "versions":
            found = [v for v in VERSIONS[pipeline_id] if v["pipeline_version_id"] == parts[3]]
            if not found:
                return (*error_answer(404, f"Pipeline version {parts[3]} not found"), None)
            if method == "GET":
                return 200, found[0], None
            if method == "DELETE":
                VERSIONS[pipeline_id].remove(found[0])
                return 200, {}, None
    if parts == ["experiments"] and method == "POST":
        parsed = parse_model(body, "V2beta1Experiment")
        if not parsed.get("display_name"):
            return (*error_answer(400, "Invalid input error: experiment display name is empty"), parsed)
        experiment = {"experiment_id": str(uuid.uuid4()), "display_name": parsed["display_name"], "created_at": now(),
                      "storage_state": "AVAILABLE", "namespace": parsed.get("namespace", "")}
        EXPERIMENTS[experiment["experiment_id"]] = experiment
        return 200, experiment, parsed
    if parts == ["experiments"] and method == "GET":
        items = [e for e in EXPERIMENTS.values() if matches(e, query.get("filter"))]
        return 200, page(items, query, "experiments"), None
    if parts == ["runs"] and method == "POST":
        parsed = parse_model(body, "V2beta1Run")
        spec = None
        if parsed.get("pipeline_spec") is not None:
            spec = parse_pipeline_spec(parsed["pipeline_spec"], "pipeline_spec")
            parsed["pipeline_spec"] = spec
        elif parsed.get("pipeline_version_reference"):
            reference = parsed["pipeline_version_reference"]
            versions = VERSIONS.get(reference.get("pipeline_id"), [])
            found = [v for v in versions if v["pipeline_version_id"] == reference.get("pipeline_version_id")]
            if not found:
                return (*error_answer(404, "the pipeline version of the run is not found"), parsed)
            spec = found[0]["pipeline_spec"]
        else:
            return (*error_answer(400, "Invalid input error: a run needs a pipeline_spec or a pipeline_version_reference"), parsed)
        experiment_id = parsed.get("experiment_id") or query.get("experiment_id") or ""
        if experiment_id and experiment_id not in EXPERIMENTS:
            return (*error_answer(404, f"Experiment {experiment_id} not found"), parsed)
        declared = (spec.get("root", {}).get("inputDefinitions", {}) or {}).get("parameters", {})
        for name in (parsed.get("runtime_config") or {}).get("parameters", {}) or {}:
            if name not in declared:
                return (*error_answer(400, f"Invalid input error: Unrecognized input parameter: {name}"), parsed)
        run = {key: value for key, value in parsed.items() if key != "pipeline_spec"}
        run.update({"run_id": str(uuid.uuid4()), "experiment_id": experiment_id, "created_at": now(),
                    "scheduled_at": now(), "state": "PENDING", "storage_state": "AVAILABLE", "_spec": spec,
                    "state_history": [{"update_time": now(), "state": "PENDING"}]})
        run["run_details"] = {"task_details": []}
        RUNS[run["run_id"]] = run
        return 200, public(run), parsed
    if parts == ["runs"] and method == "GET":
        items = [r for r in RUNS.values()
                 if (not query.get("experiment_id") or r["experiment_id"] == query["experiment_id"])
                 and matches(r, query.get("filter"))]
        return 200, page(items, query, "runs"), None
    if len(parts) == 2 and parts[0] == "runs":
        run_id, _, verb = parts[1].partition(":")
        run = RUNS.get(run_id)
        if run is None:
            return (*error_answer(404, f"Run {run_id} not found"), None)
        if method == "GET" and not verb:
            advance(run)
            return 200, public(run), None
        if method == "DELETE" and not verb:
            del RUNS[run_id]
            return 200, {}, None
        if method == "POST" and verb == "retry":
            if run["state"] not in ("FAILED", "CANCELED"):
                return (*error_answer(400, f"Run {run_id} is {run['state']}; only a failed run can be retried"), None)
            run["state"], run["_retried"] = "RUNNING", True
            run.pop("error", None)
            return 200, {}, None
        if method == "POST" and verb == "terminate":
            run["state"] = "CANCELING"
            return 200, {}, None
    raise NotFound(path)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, value):
        text = isinstance(value, str)
        data = value.encode() if text else json.dumps(value, sort_keys=True).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain" if text else "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def serve(self, method):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with LOCK:
            if url.path == "/_fake/requests":
                return self.answer(200, RECORDED)
            if url.path == "/_fake/reset":
                RECORDED.clear()
                return self.answer(200, {})
            if url.path == "/_fake/fail":
                FAILURES.append(json.loads(body))
                return self.answer(200, {})
            record = {"method": method, "path": url.path, "query": query,
                      "authorization": self.headers.get("Authorization"),
                      "content_type": (self.headers.get("Content-Type") or "").split(";")[0], "body": None}
            RECORDED.append(record)
            for failure in FAILURES:
                if failure["method"] == method and failure["path"] == url.path:
                    FAILURES.remove(failure)
                    return self.answer(failure["status"], failure["body"])
            try:
                status, value, parsed = handle(method, url.path, query, self.headers.get("Content-Type") or "", body)
                record["body"] = parsed
            except BadRequest as error:
                record["error"] = str(error)
                status, value = error_answer(400, str(error))
            except NotFound as error:
                status, value = error_answer(404, f"Not Found: {error}")
            return self.answer(status, value)

    def do_GET(self):
        self.serve("GET")

    def do_POST(self):
        self.serve("POST")

    def do_DELETE(self):
        self.serve("DELETE")


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # until the test closes stdin (or kills the process)
    server.shutdown()


if __name__ == "__main__":
    main()
