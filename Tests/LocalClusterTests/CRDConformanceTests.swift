import Foundation
@testable import LocalCluster
import Resources
import Testing

/// kf's own CRDs (templates/crds) against the upstream ones (../shared/crds): a corpus of valid and invalid objects,
/// where the upstream verdict comes from Python's `jsonschema` over the upstream openAPIV3Schema (an independent
/// validator) and kf's from kf-local itself (a dry-run create). Every verdict must agree.
@Suite(.serialized)
struct CRDConformanceTests {
    struct Case {
        var file: String
        var object: String
        var note: String
    }

    static let pod = #"{"spec":{"containers":[{"name":"main","image":"python:3.12","command":["python","train.py"],"env":[{"name":"EPOCHS","value":"3"}],"ports":[{"containerPort":23456}],"resources":{"limits":{"cpu":"2","memory":"1Gi"},"requests":{"cpu":1}}}]}}"#

    static func job(_ kind: String, _ field: String, spec extra: String = "", replicas: String = "2", template: String = pod) -> String {
        #"{"apiVersion":"kubeflow.org/v1","kind":"\#(kind)","metadata":{"name":"j","namespace":"default"},"spec":{"\#(field)":{"Worker":{"replicas":\#(replicas),"restartPolicy":"OnFailure","template":\#(template)}}\#(extra)}}"#
    }

    static var corpus: [Case] {
        var cases: [Case] = []
        let jobs = [("PyTorchJob", "pytorchReplicaSpecs", "kubeflow.org_pytorchjobs.yaml"), ("TFJob", "tfReplicaSpecs", "kubeflow.org_tfjobs.yaml"),
                    ("XGBoostJob", "xgbReplicaSpecs", "kubeflow.org_xgboostjobs.yaml"), ("MPIJob", "mpiReplicaSpecs", "kubeflow.org_mpijobs.yaml"),
                    ("JAXJob", "jaxReplicaSpecs", "kubeflow.org_jaxjobs.yaml"), ("PaddleJob", "paddleReplicaSpecs", "kubeflow.org_paddlejobs.yaml")]
        for (kind, field, file) in jobs {
            cases.append(Case(file: file, object: job(kind, field), note: "\(kind) minimal"))
            cases.append(Case(file: file, object: job(kind, field, spec: #","runPolicy":{"backoffLimit":3,"cleanPodPolicy":"None","suspend":false,"ttlSecondsAfterFinished":60,"schedulingPolicy":{"minAvailable":1,"minResources":{"cpu":"500m"}}}"#), note: "\(kind) runPolicy"))
            cases.append(Case(file: file, object: #"{"apiVersion":"kubeflow.org/v1","kind":"\#(kind)","metadata":{"name":"j","namespace":"default"},"spec":{}}"#, note: "\(kind) without replica specs"))
            cases.append(Case(file: file, object: job(kind, field, replicas: #""two""#), note: "\(kind) replicas as a string"))
            cases.append(Case(file: file, object: job(kind, field, spec: #","runPolicy":{"backoffLimit":"x"}"#), note: "\(kind) backoffLimit as a string"))
            cases.append(Case(file: file, object: job(kind, field, spec: #","runPolicy":{"suspend":"yes"}"#), note: "\(kind) suspend as a string"))
            cases.append(Case(file: file, object: job(kind, field, template: #"{"spec":{"containers":[{"image":"python:3.12"}]}}"#), note: "\(kind) container without a name"))
            cases.append(Case(file: file, object: job(kind, field, template: #"{"spec":{"restartPolicy":"Never"}}"#), note: "\(kind) pod without containers"))
            cases.append(Case(file: file, object: job(kind, field, template: #"{"spec":{"containers":[{"name":"m","ports":[{"name":"p"}]}]}}"#), note: "\(kind) port without containerPort"))
            cases.append(Case(file: file, object: job(kind, field, template: #"{"spec":{"containers":[{"name":"m","resources":{"limits":{"cpu":"lots"}}}]}}"#), note: "\(kind) bad quantity"))
            cases.append(Case(file: file, object: job(kind, field, template: #"{"spec":{"containers":[{"name":"m","env":[{"value":"x"}]}]}}"#), note: "\(kind) env without a name"))
            cases.append(Case(file: file, object: job(kind, field, template: #"{"metadata":{"labels":{"a":1}},"spec":{"containers":[{"name":"m"}]}}"#), note: "\(kind) numeric label in the template"))
        }
        cases.append(Case(file: "kubeflow.org_pytorchjobs.yaml", object: job("PyTorchJob", "pytorchReplicaSpecs", spec: #","elasticPolicy":{"minReplicas":1,"maxReplicas":4,"rdzvBackend":"c10d","rdzvConf":[{"key":"a","value":"b"}]},"nprocPerNode":"auto""#), note: "PyTorchJob elastic"))
        cases.append(Case(file: "kubeflow.org_pytorchjobs.yaml", object: job("PyTorchJob", "pytorchReplicaSpecs", spec: #","elasticPolicy":{"maxReplicas":"four"}"#), note: "PyTorchJob elastic maxReplicas string"))
        cases.append(Case(file: "kubeflow.org_pytorchjobs.yaml", object: job("PyTorchJob", "pytorchReplicaSpecs", spec: #","nprocPerNode":4"#), note: "PyTorchJob nprocPerNode number"))
        cases.append(Case(file: "kubeflow.org_mpijobs.yaml", object: job("MPIJob", "mpiReplicaSpecs", spec: #","slotsPerWorker":"one""#), note: "MPIJob slotsPerWorker string"))
        cases.append(Case(file: "kubeflow.org_tfjobs.yaml", object: job("TFJob", "tfReplicaSpecs", spec: #","enableDynamicWorker":"no""#), note: "TFJob enableDynamicWorker string"))

        for (kind, file) in [("Experiment", "kubeflow.org_experiments.yaml"), ("Trial", "kubeflow.org_trials.yaml"), ("Suggestion", "kubeflow.org_suggestions.yaml")] {
            cases.append(Case(file: file, object: #"{"apiVersion":"kubeflow.org/v1beta1","kind":"\#(kind)","metadata":{"name":"k","namespace":"default"},"spec":{"objective":{"type":"maximize","objectiveMetricName":"accuracy"},"maxTrialCount":"anything"}}"#, note: "\(kind) keeps any field"))
            cases.append(Case(file: file, object: #"{"apiVersion":"kubeflow.org/v1beta1","kind":"\#(kind)","metadata":{"name":"k","namespace":"default"}}"#, note: "\(kind) without spec"))
        }

        let isvc = "serving.kserve.io_inferenceservices.yaml"
        func inference(_ predictor: String) -> String {
            #"{"apiVersion":"serving.kserve.io/v1beta1","kind":"InferenceService","metadata":{"name":"s","namespace":"default"},"spec":{"predictor":\#(predictor)}}"#
        }
        cases.append(Case(file: isvc, object: inference(#"{"minReplicas":1,"maxReplicas":3,"scaleMetric":"rps","scaleTarget":10,"model":{"modelFormat":{"name":"sklearn"},"storageUri":"file:///models/iris","args":["--workers","2"],"env":[{"name":"A","value":"b"}]}}"#), note: "InferenceService model"))
        cases.append(Case(file: isvc, object: inference(#"{"containers":[{"name":"kserve-container","image":"python:3.12","args":["serve.py"],"ports":[{"containerPort":8080}]}]}"#), note: "InferenceService custom container"))
        cases.append(Case(file: isvc, object: #"{"apiVersion":"serving.kserve.io/v1beta1","kind":"InferenceService","metadata":{"name":"s","namespace":"default"},"spec":{}}"#, note: "InferenceService without predictor"))
        cases.append(Case(file: isvc, object: inference(#"{"scaleMetric":"latency"}"#), note: "InferenceService bad scaleMetric"))
        cases.append(Case(file: isvc, object: inference(#"{"minReplicas":"1"}"#), note: "InferenceService minReplicas string"))
        cases.append(Case(file: isvc, object: inference(#"{"model":{"modelFormat":{"version":"1"}}}"#), note: "InferenceService modelFormat without name"))
        cases.append(Case(file: isvc, object: inference(#"{"model":{"args":"--x"}}"#), note: "InferenceService args not a list"))
        cases.append(Case(file: isvc, object: inference(#"{"containers":[{"image":"x"}]}"#), note: "InferenceService container without name"))
        let canary = { (entries: String) in
            #"{"apiVersion":"serving.kserve.io/v1beta1","kind":"InferenceService","metadata":{"name":"s","namespace":"default"},"spec":{"predictor":{"model":{"modelFormat":{"name":"sklearn"},"storageUri":"file:///m/1"}},"canary":\#(entries)}}"#
        }
        cases.append(Case(file: isvc, object: canary(#"[{"trafficPercent":20,"predictor":{"model":{"name":"blue","modelFormat":{"name":"sklearn"},"storageUri":"file:///m/2"}}}]"#), note: "InferenceService Standard canary"))
        cases.append(Case(file: isvc, object: canary(#"[{"trafficPercent":130,"predictor":{}}]"#), note: "InferenceService canary over 100 %"))
        cases.append(Case(file: isvc, object: canary(#"[{"trafficPercent":20}]"#), note: "InferenceService canary without predictor"))
        cases.append(Case(file: isvc, object: canary(#"[{"trafficPercent":20,"predictor":{"model":{"modelFormat":{"name":"sklearn"}}}}]"#), note: "InferenceService canary model without name"))

        for (kind, file, namespaced) in [("ServingRuntime", "serving.kserve.io_servingruntimes.yaml", true), ("ClusterServingRuntime", "serving.kserve.io_clusterservingruntimes.yaml", false)] {
            let meta = namespaced ? #"{"name":"r","namespace":"default"}"# : #"{"name":"r"}"#
            func runtime(_ spec: String) -> String { #"{"apiVersion":"serving.kserve.io/v1alpha1","kind":"\#(kind)","metadata":\#(meta),"spec":\#(spec)}"# }
            cases.append(Case(file: file, object: runtime(#"{"supportedModelFormats":[{"name":"sklearn","version":"1","autoSelect":true,"priority":1}],"protocolVersions":["v1","v2"],"containers":[{"name":"kserve-container","image":"kserve/sklearnserver:latest","args":["--model_dir=/mnt/models"]}]}"#), note: "\(kind) sklearn"))
            cases.append(Case(file: file, object: runtime(#"{"supportedModelFormats":[{"name":"x"}]}"#), note: "\(kind) without containers"))
            cases.append(Case(file: file, object: runtime(#"{"containers":[{"image":"x"}]}"#), note: "\(kind) container without name"))
            cases.append(Case(file: file, object: runtime(#"{"disabled":"no","containers":[{"name":"c"}]}"#), note: "\(kind) disabled string"))
            cases.append(Case(file: file, object: runtime(#"{"supportedModelFormats":[{"name":"x","priority":0}],"containers":[{"name":"c"}]}"#), note: "\(kind) priority below 1"))
            cases.append(Case(file: file, object: runtime(#"{"supportedModelFormats":[{"version":"1"}],"containers":[{"name":"c"}]}"#), note: "\(kind) model format without name"))
        }

        let trainJob = "trainer.kubeflow.org_trainjobs.yaml"
        func train(_ spec: String) -> String { #"{"apiVersion":"trainer.kubeflow.org/v1alpha1","kind":"TrainJob","metadata":{"name":"t","namespace":"default"},"spec":\#(spec)}"# }
        cases.append(Case(file: trainJob, object: train(#"{"runtimeRef":{"name":"torch-distributed"},"trainer":{"image":"python:3.12","command":["torchrun","train.py"],"numNodes":2,"env":[{"name":"LR","value":"0.1"}]}}"#), note: "TrainJob torch"))
        cases.append(Case(file: trainJob, object: train(#"{"trainer":{"numNodes":1}}"#), note: "TrainJob without runtimeRef"))
        cases.append(Case(file: trainJob, object: train(#"{"runtimeRef":{"name":""}}"#), note: "TrainJob empty runtime name"))
        cases.append(Case(file: trainJob, object: train(#"{"runtimeRef":{"name":"r"},"activeDeadlineSeconds":0}"#), note: "TrainJob deadline 0"))
        cases.append(Case(file: trainJob, object: train(#"{"runtimeRef":{"name":"r"},"trainer":{"numNodes":"2"}}"#), note: "TrainJob numNodes string"))
        cases.append(Case(file: trainJob, object: train(#"{"runtimeRef":{"name":"r"},"trainer":{"env":[{"value":"x"}]}}"#), note: "TrainJob env without name"))

        for (kind, file, namespaced) in [("TrainingRuntime", "trainer.kubeflow.org_trainingruntimes.yaml", true), ("ClusterTrainingRuntime", "trainer.kubeflow.org_clustertrainingruntimes.yaml", false)] {
            let meta = namespaced ? #"{"name":"rt","namespace":"default"}"# : #"{"name":"rt"}"#
            func runtime(_ spec: String) -> String { #"{"apiVersion":"trainer.kubeflow.org/v1alpha1","kind":"\#(kind)","metadata":\#(meta),"spec":\#(spec)}"# }
            cases.append(Case(file: file, object: runtime(#"{"mlPolicy":{"numNodes":1,"torch":{}},"template":{"spec":{"replicatedJobs":[{"name":"node","replicas":1,"template":{"spec":{"template":{"spec":{"containers":[{"name":"node","image":"python:3.12"}]}}}}}]}}}"#), note: "\(kind) torch"))
            cases.append(Case(file: file, object: runtime(#"{"template":{"spec":{"replicatedJobs":[{"name":"node","template":{"spec":{}}}]}}}"#), note: "\(kind) job template without pod template"))
            cases.append(Case(file: file, object: runtime(#"{"mlPolicy":{"mpi":{"mpiImplementation":"MPICH"}}}"#), note: "\(kind) unknown MPI implementation"))
            cases.append(Case(file: file, object: runtime(#"{"mlPolicy":{"numNodes":"one"}}"#), note: "\(kind) numNodes string"))
            cases.append(Case(file: file, object: runtime(#"{"template":{"spec":{"replicatedJobs":[{"name":"node"}]}}}"#), note: "\(kind) replicated job without template"))
        }

        let workflow = "argoproj.io_workflows.yaml"
        func flow(_ spec: String) -> String { #"{"apiVersion":"argoproj.io/v1alpha1","kind":"Workflow","metadata":{"name":"w","namespace":"default"}\#(spec)}"# }
        cases.append(Case(file: workflow, object: flow(#","spec":{"entrypoint":"main","arguments":{"parameters":[{"name":"n","value":"1"}]},"templates":[{"name":"main","steps":[[{"name":"step-1","template":"echo"}]]},{"name":"echo","container":{"image":"alpine","command":["echo","hi"]}}]}"#), note: "Workflow steps"))
        cases.append(Case(file: workflow, object: flow(#","spec":{"entrypoint":"d","templates":[{"name":"d","dag":{"tasks":[{"name":"a","template":"echo"},{"name":"b","template":"echo","depends":"a"}]}}]}"#), note: "Workflow dag"))
        cases.append(Case(file: workflow, object: flow(""), note: "Workflow without spec"))
        cases.append(Case(file: workflow, object: flow(#","spec":{"parallelism":0}"#), note: "Workflow parallelism 0"))
        cases.append(Case(file: workflow, object: flow(#","spec":{"templates":[{"name":"d","dag":{}}]}"#), note: "Workflow dag without tasks"))
        cases.append(Case(file: workflow, object: flow(#","spec":{"templates":[{"name":"s","steps":[[{"name":"bad name","template":"x"}]]}]}"#), note: "Workflow bad step name"))
        cases.append(Case(file: workflow, object: flow(#","spec":{"templates":[{"name":"d","dag":{"tasks":[{"template":"x"}]}}]}"#), note: "Workflow task without name"))
        cases.append(Case(file: workflow, object: flow(#","spec":{"arguments":{"parameters":[{"value":"1"}]}}"#), note: "Workflow parameter without name"))
        return cases
    }

    /// The upstream verdicts, from jsonschema in Python.
    static let oracle = #"""
    import json, sys, yaml, jsonschema
    cases = json.load(open(sys.argv[1]))
    schemas = {}
    verdicts = []
    for case in cases:
        if case["file"] not in schemas:
            crd = yaml.safe_load(open(sys.argv[2] + "/" + case["file"]))
            version = [v for v in crd["spec"]["versions"] if v.get("storage")][0]
            schemas[case["file"]] = version["schema"]["openAPIV3Schema"]
        validator = jsonschema.Draft4Validator(schemas[case["file"]])
        errors = sorted(validator.iter_errors(json.loads(case["object"])), key=lambda e: list(e.path))
        verdicts.append({"valid": not errors, "why": "; ".join(e.message[:120] for e in errors[:2])})
    print(json.dumps(verdicts))
    """#

    @Test func kfCRDsAgreeWithUpstreamOnTheCorpus() async throws {
        guard let python = TestServer.pythonPath, let shared = TestServer.sharedRoot else {
            print("skipping: needs .tools/venv/bin/python (scripts/install-tools.sh) and ../shared/crds")
            return
        }
        try await withServer(needsKubectl: false, crds: true) { server in
            let probe = try await server.run(python, ["-c", "import jsonschema, yaml"])
            if !probe.ok {
                print("skipping: jsonschema or PyYAML missing in .tools/venv (run scripts/install-tools.sh)")
                return
            }
            let cases = Self.corpus
            let casesFile = server.directory.appendingPathComponent("corpus.json")
            let encoded = Value.sequence(cases.map { .object([("file", .string($0.file)), ("object", .string($0.object))]) })
            try Data(JSON.encode(encoded)).write(to: casesFile)
            let script = server.directory.appendingPathComponent("oracle.py")
            try Self.oracle.write(to: script, atomically: true, encoding: .utf8)
            let output = try await server.run(python, [script.path, casesFile.path, shared.appendingPathComponent("crds").path])
            #expect(output.ok, "\(output.stderr)")
            guard let verdicts = try? JSON.parse(output.stdout).sequence, verdicts.count == cases.count else {
                Issue.record("the oracle printed no verdicts: \(output.stdout) \(output.stderr)")
                return
            }
            var agree = 0, valid = 0
            for (index, testCase) in cases.enumerated() {
                let upstream = verdicts[index]["valid"]?.boolValue ?? false
                let object = try JSON.parse(testCase.object)
                let apiVersion = object.string(at: "apiVersion") ?? ""
                let plural = testCase.file.split(separator: "_").last.map { String($0.dropLast(5)) } ?? ""
                let namespace = object.string(at: "metadata", "namespace").map { "/namespaces/\($0)" } ?? ""
                let response = try await server.request("POST", "/apis/\(apiVersion)\(namespace)/\(plural)?dryRun=All&fieldValidation=Ignore",
                                                        body: Array(testCase.object.utf8))
                let kfValid = response.status == 201
                #expect(response.status == 201 || response.status == 422, "\(testCase.note): \(response.status) \(response.body)")
                if upstream { valid += 1 }
                if kfValid == upstream {
                    agree += 1
                } else {
                    Issue.record("\(testCase.note): upstream says \(upstream ? "valid" : "invalid (\(verdicts[index].string(at: "why") ?? ""))"), kf-local answered \(response.status): \(response.body.prefix(300))")
                }
            }
            print("CRD conformance: \(agree)/\(cases.count) verdicts agree (\(valid) valid, \(cases.count - valid) invalid upstream)")
        }
    }
}
