"""The pipelines of benchmarks/pipeline.sh, written with the kfp SDK.

  python pipelines.py compile DIR        linear.yaml (3 steps) and naps.yaml (8 independent 1 s tasks)
  python pipelines.py local NAME ROOT    one run with kfp.local (SubprocessRunner(use_venv=False)); prints its outputs
"""
import json
import sys

from kfp import compiler, dsl

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def add(a: int, b: int) -> int:
    return a + b


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def nap(i: int) -> int:
    import time
    time.sleep(1)
    return i


@dsl.pipeline(name="linear")
def linear(x: int = 1):
    a = add(a=x, b=2)
    b = add(a=a.output, b=3)
    add(a=b.output, b=4)


@dsl.pipeline(name="naps")
def naps():
    for i in range(8):
        nap(i=i)


PIPELINES = {"linear": linear, "naps": naps}

if __name__ == "__main__":
    if sys.argv[1] == "compile":
        for name, pipeline in PIPELINES.items():
            compiler.Compiler().compile(pipeline, f"{sys.argv[2]}/{name}.yaml")
    else:
        from kfp import local
        local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=sys.argv[3])
        task = PIPELINES[sys.argv[2]]()
