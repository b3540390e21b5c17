"""The real kfp.Client doing one operation against a KFP API server, for comparing kf's requests with its own.

  python kfp_client_ops.py URL upload FILE NAME                          prints the pipeline id
  python kfp_client_ops.py URL run-version EXPERIMENT_NAME PIPELINE_ID VERSION_ID RUN_NAME the experiment created,
                                                                                           then the run; its id
  python kfp_client_ops.py URL run-file FILE RUN_NAME EXPERIMENT_NAME PARAMS_JSON          prints the run id
  python kfp_client_ops.py URL list-get-delete RUN_ID                   list the runs, get one, delete it

(One process per case: importing kfp takes a second or two.)
"""
import json
import sys

import kfp


def main():
    url, op, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    client = kfp.Client(host=url)
    if op == "upload":
        print(client.upload_pipeline(args[0], pipeline_name=args[1]).pipeline_id)
    elif op == "run-version":
        experiment_id = client.create_experiment(args[0]).experiment_id
        print(client.run_pipeline(experiment_id=experiment_id, job_name=args[3], pipeline_id=args[1], version_id=args[2]).run_id)
    elif op == "run-file":
        result = client.create_run_from_pipeline_package(args[0], arguments=json.loads(args[3]), run_name=args[1],
                                                         experiment_name=args[2])
        print(result.run_id)
    elif op == "list-get-delete":
        count = len(client.list_runs().runs or [])
        state = client.get_run(args[0]).state
        client.delete_run(args[0])
        print(count, state, "deleted")
    else:
        raise SystemExit(f"unknown operation {op}")


if __name__ == "__main__":
    main()
