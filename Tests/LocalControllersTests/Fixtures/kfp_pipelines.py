"""Pipelines written with the real kfp SDK for kf's Workflow controller tests.

  python kfp_pipelines.py compile DIR          compile every pipeline to DIR/<name>.yaml (kfp's IR)
  python kfp_pipelines.py local ROOT NAME...   run some with kfp.local (SubprocessRunner(use_venv=False)), each
                                               under ROOT/NAME
  python kfp_pipelines.py summary ROOT         print every task's outputs under a pipeline root, as JSON
"""
import json
import os
import sys

from kfp import compiler, dsl
from kfp.dsl import Dataset, Input, Output

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def add(a: int, b: int) -> int:
    return a + b


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def make_data(n: int, out: Output[Dataset]):
    with open(out.path, "w") as f:
        f.write(",".join(str(i) for i in range(n)))
    out.metadata["rows"] = n


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def total(data: Input[Dataset], scale: int) -> int:
    with open(data.path) as f:
        return scale * sum(int(x) for x in f.read().split(","))


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def square(v: int) -> int:
    return v * v


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def greet(name: str) -> str:
    return "hello " + name


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def report(status: dsl.PipelineTaskFinalStatus) -> str:
    return status.state


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def flaky(marker: str) -> str:
    import os
    if not os.path.exists(marker):
        open(marker, "w").close()
        raise SystemExit("first attempt fails on purpose")
    return "recovered"


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def broken() -> str:
    raise SystemExit("always fails")


@dsl.pipeline(name="linear")
def linear(x: int = 1):
    a = add(a=x, b=2)
    b = add(a=a.output, b=3)
    add(a=b.output, b=4)


@dsl.pipeline(name="diamond")
def diamond(n: int = 5):
    d = make_data(n=n)
    left = total(data=d.outputs["out"], scale=1)
    right = total(data=d.outputs["out"], scale=10)
    add(a=left.output, b=right.output)


@dsl.pipeline(name="condition")
def condition(x: int = 5):
    a = add(a=x, b=1)
    with dsl.If(a.output > 3):
        greet(name="big")
    with dsl.Else():
        greet(name="small")


@dsl.pipeline(name="loop")
def loop():
    with dsl.ParallelFor(items=[1, 2, 3, 4], parallelism=2) as item:
        square(v=item)


@dsl.pipeline(name="exit-handler")
def exit_handler():
    final = report()
    with dsl.ExitHandler(final):
        greet(name="inside")


@dsl.pipeline(name="retry")
def retry(marker: str = "/tmp/kf-flaky-marker"):
    flaky(marker=marker).set_retry(num_retries=2, backoff_duration="0s")


@dsl.pipeline(name="failing")
def failing():
    broken().set_retry(num_retries=1, backoff_duration="0s")


PIPELINES = {"linear": linear, "diamond": diamond, "condition": condition, "loop": loop,
             "exit-handler": exit_handler, "retry": retry, "failing": failing}


def summary(root):
    """(task folder, parameter outputs, artifact files) for every executor_output.json under root, sorted."""
    rows = []
    for folder, _, files in os.walk(root):
        if "executor_output.json" not in files:
            continue
        with open(os.path.join(folder, "executor_output.json")) as f:
            output = json.load(f)
        artifacts = {}
        for name in sorted(files):
            path = os.path.join(folder, name)
            if name != "executor_output.json" and name not in output.get("parameterValues", {}):
                with open(path) as f:
                    artifacts[name] = f.read()
        rows.append([os.path.basename(folder), output.get("parameterValues", {}), artifacts])
    return sorted(rows, key=json.dumps)


def main():
    command = sys.argv[1]
    if command == "compile":
        for name, pipeline in PIPELINES.items():
            compiler.Compiler().compile(pipeline, os.path.join(sys.argv[2], name + ".yaml"))
    elif command == "local":
        from kfp import local
        for name in sys.argv[3:]:
            local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=os.path.join(sys.argv[2], name))
            PIPELINES[name]()
    elif command == "summary":
        print(json.dumps(summary(sys.argv[2]), sort_keys=True))
    else:
        raise SystemExit("unknown command " + command)


if __name__ == "__main__":
    main()
