function __kf_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __kf_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __kf_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __kf_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __kf_parse_tokens -S
    set -l unparsed_tokens (__kf_tokens -pc)
    switch $unparsed_tokens[1]
    case 'kf'
        __kf_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'init'
            __kf_parse_subcommand 1 'name=' 'n/namespace=' 'context=' 'registry-remote=' 'v/verbose' 'no-color' 'version' 'h/help'
        case 'build'
            __kf_parse_subcommand 1 'output-path=' 'load-restrictor=' 'o/output=' 'v/verbose' 'no-color' 'version' 'h/help'
        case 'apply'
            __kf_parse_subcommand 1 'f/filename=+' 'env=' 'dry-run=' 'diff' 'prune' 'applyset=' 'wait' 'timeout=' 'field-manager=' 'kubeconfig=' 'context=' 'n/namespace=' 'o/output=' 'v/verbose' 'no-color' 'version' 'h/help'
        case 'delete'
            __kf_parse_subcommand 1 'f/filename=+' 'env=' 'wait' 'timeout=' 'kubeconfig=' 'context=' 'n/namespace=' 'v/verbose' 'no-color' 'version' 'h/help'
        case 'train'
            __kf_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'run'
                __kf_parse_subcommand -r 2 'f/filename=' 'framework=' 'trainer-v2' 'runtime=' 'image=' 'workers=' 'ps=' 'chief' 'procs-per-worker=' 'cpu=' 'memory=' 'gpus=' 'env=+' 'restart-policy=' 'backoff-limit=' 'active-deadline=' 'ttl=' 'clean-pod-policy=' 'elastic=' 'wait' 'register=' 'input=+' 'follow' 'timeout=' 'dry-run=' 'kubeconfig=' 'context=' 'n/namespace=' 'o/output=' 'v/verbose' 'no-color' 'version' 'h/help'
            case 'list'
                __kf_parse_subcommand 0 'a/all-namespaces' 'kubeconfig=' 'context=' 'n/namespace=' 'o/output=' 'v/verbose' 'no-color' 'version' 'h/help'
            case 'status'
                __kf_parse_subcommand 1 'kind=' 'kubeconfig=' 'context=' 'n/namespace=' 'o/output=' 'v/verbose' 'no-color' 'version' 'h/help'
            case 'logs'
                __kf_parse_subcommand 1 'kind=' 'f/follow' 'replica=' 'index=' 'all' 'tail=' 'kubeconfig=' 'context=' 'n/namespace=' 'v/verbose' 'no-color' 'version' 'h/help'
            case 'wait'
                __kf_parse_subcommand 1 'kind=' 'timeout=' 'kubeconfig=' 'context=' 'n/namespace=' 'v/verbose' 'no-color' 'version' 'h/help'
            case 'delete'
                __kf_parse_subcommand 1 'kind=' 'kubeconfig=' 'context=' 'n/namespace=' 'v/verbose' 'no-color' 'version' 'h/help'
            end
        case 'version'
            __kf_parse_subcommand 0 'client' 'kubeconfig=' 'context=' 'n/namespace=' 'o/output=' 'v/verbose' 'no-color' 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'register'
                __kf_parse_subcommand 2 'version=' 'bump=' 'm/message=' 'uri=' 'path=' 'type=' 'metric=+' 'param=+' 'lineage=+' 'push' 'r/repo=' 'o/output=' 'v/verbose' 'no-color' 'version' 'h/help'
            case 'promote'
                __kf_parse_subcommand 3 'm/message=' 'simple' 'force' 'push' 'r/repo=' 'o/output=' 'v/verbose' 'no-color' 'version' 'h/help'
            case 'deprecate'
                __kf_parse_subcommand 3 'm/message=' 'd/delete' 'push' 'r/repo=' 'o/output=' 'v/verbose' 'no-color' 'version' 'h/help'
            case 'list'
                __kf_parse_subcommand 1 'd/deprecated' 'r/repo=' 'o/output=' 'v/verbose' 'no-color' 'version' 'h/help'
            case 'show'
                __kf_parse_subcommand 1 'r/repo=' 'o/output=' 'v/verbose' 'no-color' 'version' 'h/help'
            case 'history'
                __kf_parse_subcommand 1 'ascending' 'r/repo=' 'o/output=' 'v/verbose' 'no-color' 'version' 'h/help'
            case 'stages'
                __kf_parse_subcommand 0 'allowed' 'used' 'r/repo=' 'o/output=' 'v/verbose' 'no-color' 'version' 'h/help'
            case 'resolve'
                __kf_parse_subcommand 1 'r/repo=' 'o/output=' 'v/verbose' 'no-color' 'version' 'h/help'
            case 'fetch'
                __kf_parse_subcommand 0 'r/repo=' 'o/output=' 'v/verbose' 'no-color' 'version' 'h/help'
            end
        case 'local'
            __kf_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'up'
                __kf_parse_subcommand 0 'project=' 'v/verbose' 'no-color' 'version' 'h/help'
            case 'down'
                __kf_parse_subcommand 0 'project=' 'v/verbose' 'no-color' 'version' 'h/help'
            case 'status'
                __kf_parse_subcommand 0 'project=' 'v/verbose' 'no-color' 'version' 'h/help'
            case 'reset'
                __kf_parse_subcommand 0 'project=' 'v/verbose' 'no-color' 'version' 'h/help'
            case 'kubeconfig'
                __kf_parse_subcommand 0 'project=' 'client-cert' 'version' 'h/help'
            end
        case 'completion'
            __kf_parse_subcommand 1 'version' 'h/help'
        case 'help'
            __kf_parse_subcommand -r 1 'version'
        end
    end
end

function __kf_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __kf_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __kf_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __kf_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__kf_tokens -p)
    if test -z "$(__kf_tokens -t)"
        set -l index (count (__kf_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'kf' -f
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf" -eq 1' -fa 'init' -d 'Create a kf project, or complete an existing one.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf" -eq 1' -fa 'build' -d 'Build a kustomization and print its resources, as `kubectl kustomize` does.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf" -eq 1' -fa 'apply' -d 'Build manifests and apply them to the cluster with server-side apply.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf" -eq 1' -fa 'delete' -d 'Delete what kf apply applied, in reverse order.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf" -eq 1' -fa 'train' -d 'Run distributed training jobs (PyTorchJob, TFJob, XGBoostJob, MPIJob, JAXJob, PaddleJob, TrainJob).'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf" -eq 1' -fa 'version' -d 'Print kf\'s version, or work with model versions in the git registry.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf" -eq 1' -fa 'local' -d 'Run kf-local, the project\'s own Kubernetes-compatible API server on 127.0.0.1.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf" -eq 1' -fa 'completion' -d 'Print the shell completion script for bash, zsh or fish.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf init" -eq 1' -fa '(__kf_complete_directories)'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf init" name' -l 'name' -d 'The project\'s name (default: the folder\'s name).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf init" n namespace' -s 'n' -l 'namespace' -d 'The namespace the project works in (default: its name).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf init" context' -l 'context' -d 'The kubeconfig context the project talks to (default: kf-local).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf init" registry-remote' -l 'registry-remote' -d 'The git remote that model versions are pushed to.' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf init" v verbose' -s 'v' -l 'verbose' -d 'Print more about what kf does (tokens and secrets are always redacted).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf init" no-color' -l 'no-color' -d 'Never colour the output (also when NO_COLOR is set).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf init" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf init" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf build" -eq 1' -fa '(__kf_complete_directories)'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf build" output-path' -l 'output-path' -d 'Write to this file, or one file per resource into this existing directory.' -rF
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf build" load-restrictor' -l 'load-restrictor' -d 'LoadRestrictionsRootOnly (default) or LoadRestrictionsNone.' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf build" o output' -s 'o' -l 'output' -d 'Output format: table, yaml, json, name or wide, as the command supports.' -rfka 'table yaml json name wide'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf build" v verbose' -s 'v' -l 'verbose' -d 'Print more about what kf does (tokens and secrets are always redacted).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf build" no-color' -l 'no-color' -d 'Never colour the output (also when NO_COLOR is set).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf build" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf build" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf apply" -eq 1' -fa '(__kf_complete_directories)'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf apply"' -s 'f' -l 'filename' -d 'A YAML or JSON file, a folder of them, or - for standard input (repeatable).' -rfa '(set -l exts \'yaml\' \'yml\' \'json\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf apply" env' -l 'env' -d 'The overlay of the project to apply: local, dev, prod or another.' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf apply" dry-run' -l 'dry-run' -d 'none, client (print the objects) or server.' -rfka 'none client server'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf apply" diff' -l 'diff' -d 'Show what would change as a unified diff (from a server-side dry run), and change nothing.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf apply" prune' -l 'prune' -d 'Delete objects that an earlier kf apply of this set created and that are no longer in it (ApplySet).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf apply" applyset' -l 'applyset' -d 'The ApplySet\'s name for --prune (default: kf-<project name>).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf apply" wait' -l 'wait' -d 'Wait until every object is ready (CRDs Established, Deployments available, Jobs complete, ...).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf apply" timeout' -l 'timeout' -d 'How long --wait waits, in seconds.' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf apply" field-manager' -l 'field-manager' -d 'The server-side apply field manager.' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf apply" kubeconfig' -l 'kubeconfig' -d 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config).' -rF
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf apply" context' -l 'context' -d 'The kubeconfig context to use (default: KF_CONTEXT, then kf.yaml, then current-context).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf apply" n namespace' -s 'n' -l 'namespace' -d 'The namespace (default: KF_NAMESPACE, then kf.yaml, then the context\'s).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf apply" o output' -s 'o' -l 'output' -d 'Output format: table, yaml, json, name or wide, as the command supports.' -rfka 'table yaml json name wide'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf apply" v verbose' -s 'v' -l 'verbose' -d 'Print more about what kf does (tokens and secrets are always redacted).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf apply" no-color' -l 'no-color' -d 'Never colour the output (also when NO_COLOR is set).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf apply" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf apply" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf delete" -eq 1' -fa '(__kf_complete_directories)'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf delete"' -s 'f' -l 'filename' -d 'A YAML or JSON file, a folder of them, or - for standard input (repeatable).' -rfa '(set -l exts \'yaml\' \'yml\' \'json\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf delete" env' -l 'env' -d 'The overlay of the project: local, dev, prod or another.' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf delete" wait' -l 'wait' -d 'Wait until every object is gone.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf delete" timeout' -l 'timeout' -d 'How long --wait waits, in seconds.' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf delete" kubeconfig' -l 'kubeconfig' -d 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config).' -rF
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf delete" context' -l 'context' -d 'The kubeconfig context to use (default: KF_CONTEXT, then kf.yaml, then current-context).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf delete" n namespace' -s 'n' -l 'namespace' -d 'The namespace (default: KF_NAMESPACE, then kf.yaml, then the context\'s).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf delete" v verbose' -s 'v' -l 'verbose' -d 'Print more about what kf does (tokens and secrets are always redacted).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf delete" no-color' -l 'no-color' -d 'Never colour the output (also when NO_COLOR is set).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf delete" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf delete" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf train" -eq 1' -fa 'run' -d 'Create a training job (the default: `kf train NAME ...` runs this).'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf train" -eq 1' -fa 'list' -d 'List training jobs of every kind, oldest first.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf train" -eq 1' -fa 'status' -d 'Show a job\'s state, conditions, replicas and durations.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf train" -eq 1' -fa 'logs' -d 'Print a job\'s logs: its main replica\'s, one replica\'s, or every replica\'s prefixed by replica.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf train" -eq 1' -fa 'wait' -d 'Wait until a job ends; the exit code follows its result.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf train" -eq 1' -fa 'delete' -d 'Delete a job with its Pods and Services.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" f filename' -s 'f' -l 'filename' -d 'A job manifest (YAML or JSON) to run instead of flags: one job of a training kind.' -rfa '(set -l exts \'yaml\' \'yml\' \'json\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" framework' -l 'framework' -d 'pytorch, tensorflow, xgboost, mpi, jax or paddle (default: kf.yaml, then pytorch).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" trainer-v2' -l 'trainer-v2' -d 'Run a Kubeflow Trainer v2 TrainJob instead of a Training Operator job.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" runtime' -l 'runtime' -d 'The TrainJob\'s ClusterTrainingRuntime (with --trainer-v2; default: torch-distributed; kf-local offers torch-, jax- and xgboost-distributed).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" image' -l 'image' -d 'The container image of every replica.' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" workers' -l 'workers' -d 'Processes in all, as the Training SDK counts them.' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" ps' -l 'ps' -d 'TensorFlow parameter servers.' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" chief' -l 'chief' -d 'Add a TensorFlow Chief replica.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" procs-per-worker' -l 'procs-per-worker' -d 'Processes per replica (PyTorch nprocPerNode, MPI slotsPerWorker, TrainJob numProcPerNode).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" cpu' -l 'cpu' -d 'CPU per replica, a quantity such as 500m or 2.' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" memory' -l 'memory' -d 'Memory per replica, a quantity such as 1Gi.' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" gpus' -l 'gpus' -d 'GPUs per replica (nvidia.com/gpu).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run"' -l 'env' -d 'An environment variable of every replica (repeatable).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" restart-policy' -l 'restart-policy' -d 'Always, OnFailure, Never or ExitCode (retry only retryable exit codes).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" backoff-limit' -l 'backoff-limit' -d 'Restarts before the job fails.' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" active-deadline' -l 'active-deadline' -d 'Seconds the job may run before it fails.' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" ttl' -l 'ttl' -d 'Seconds a finished job is kept before it is deleted.' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" clean-pod-policy' -l 'clean-pod-policy' -d 'Which Pods a finished job deletes: All, Running or None.' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" elastic' -l 'elastic' -d 'PyTorch elastic training: the fewest and most Workers.' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" wait' -l 'wait' -d 'Wait until the job ends; the exit code follows its result.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" register' -l 'register' -d 'Register what the job writes into $KF_OUTPUT_DIR as a version of this model once it succeeds (waits for it).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run"' -l 'input' -d 'A file or folder the job reads, recorded with its digest in --register\'s lineage (repeatable).' -rF
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" follow' -l 'follow' -d 'Wait, streaming every replica\'s log prefixed by replica while the job runs.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" timeout' -l 'timeout' -d 'How long --wait, --follow and --register wait, in seconds.' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" dry-run' -l 'dry-run' -d 'none, client (print the job, create nothing) or server.' -rfka 'none client server'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" kubeconfig' -l 'kubeconfig' -d 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config).' -rF
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" context' -l 'context' -d 'The kubeconfig context to use (default: KF_CONTEXT, then kf.yaml, then current-context).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" n namespace' -s 'n' -l 'namespace' -d 'The namespace (default: KF_NAMESPACE, then kf.yaml, then the context\'s).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" o output' -s 'o' -l 'output' -d 'Output format: table, yaml, json, name or wide, as the command supports.' -rfka 'table yaml json name wide'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" v verbose' -s 'v' -l 'verbose' -d 'Print more about what kf does (tokens and secrets are always redacted).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" no-color' -l 'no-color' -d 'Never colour the output (also when NO_COLOR is set).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train run" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train list" a all-namespaces' -s 'a' -l 'all-namespaces' -d 'List jobs in every namespace.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train list" kubeconfig' -l 'kubeconfig' -d 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config).' -rF
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train list" context' -l 'context' -d 'The kubeconfig context to use (default: KF_CONTEXT, then kf.yaml, then current-context).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train list" n namespace' -s 'n' -l 'namespace' -d 'The namespace (default: KF_NAMESPACE, then kf.yaml, then the context\'s).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train list" o output' -s 'o' -l 'output' -d 'Output format: table, yaml, json, name or wide, as the command supports.' -rfka 'table yaml json name wide'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train list" v verbose' -s 'v' -l 'verbose' -d 'Print more about what kf does (tokens and secrets are always redacted).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train list" no-color' -l 'no-color' -d 'Never colour the output (also when NO_COLOR is set).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train list" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train status" kind' -l 'kind' -d 'The job\'s kind, when several kinds have a job of that name (e.g. PyTorchJob).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train status" kubeconfig' -l 'kubeconfig' -d 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config).' -rF
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train status" context' -l 'context' -d 'The kubeconfig context to use (default: KF_CONTEXT, then kf.yaml, then current-context).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train status" n namespace' -s 'n' -l 'namespace' -d 'The namespace (default: KF_NAMESPACE, then kf.yaml, then the context\'s).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train status" o output' -s 'o' -l 'output' -d 'Output format: table, yaml, json, name or wide, as the command supports.' -rfka 'table yaml json name wide'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train status" v verbose' -s 'v' -l 'verbose' -d 'Print more about what kf does (tokens and secrets are always redacted).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train status" no-color' -l 'no-color' -d 'Never colour the output (also when NO_COLOR is set).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train status" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train logs" kind' -l 'kind' -d 'The job\'s kind, when several kinds have a job of that name (e.g. PyTorchJob).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train logs" f follow' -s 'f' -l 'follow' -d 'Stream the logs while the job runs (waits for its Pods).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train logs" replica' -l 'replica' -d 'A replica type: master, worker, ps, chief, launcher, ...' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train logs" index' -l 'index' -d 'The replica\'s index (with --replica).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train logs" all' -l 'all' -d 'Every replica, each line prefixed by [type-index].'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train logs" tail' -l 'tail' -d 'Only the last lines of each log.' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train logs" kubeconfig' -l 'kubeconfig' -d 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config).' -rF
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train logs" context' -l 'context' -d 'The kubeconfig context to use (default: KF_CONTEXT, then kf.yaml, then current-context).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train logs" n namespace' -s 'n' -l 'namespace' -d 'The namespace (default: KF_NAMESPACE, then kf.yaml, then the context\'s).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train logs" v verbose' -s 'v' -l 'verbose' -d 'Print more about what kf does (tokens and secrets are always redacted).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train logs" no-color' -l 'no-color' -d 'Never colour the output (also when NO_COLOR is set).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train logs" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train logs" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train wait" kind' -l 'kind' -d 'The job\'s kind, when several kinds have a job of that name (e.g. PyTorchJob).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train wait" timeout' -l 'timeout' -d 'How long to wait, in seconds.' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train wait" kubeconfig' -l 'kubeconfig' -d 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config).' -rF
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train wait" context' -l 'context' -d 'The kubeconfig context to use (default: KF_CONTEXT, then kf.yaml, then current-context).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train wait" n namespace' -s 'n' -l 'namespace' -d 'The namespace (default: KF_NAMESPACE, then kf.yaml, then the context\'s).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train wait" v verbose' -s 'v' -l 'verbose' -d 'Print more about what kf does (tokens and secrets are always redacted).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train wait" no-color' -l 'no-color' -d 'Never colour the output (also when NO_COLOR is set).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train wait" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train wait" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train delete" kind' -l 'kind' -d 'The job\'s kind, when several kinds have a job of that name (e.g. PyTorchJob).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train delete" kubeconfig' -l 'kubeconfig' -d 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config).' -rF
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train delete" context' -l 'context' -d 'The kubeconfig context to use (default: KF_CONTEXT, then kf.yaml, then current-context).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train delete" n namespace' -s 'n' -l 'namespace' -d 'The namespace (default: KF_NAMESPACE, then kf.yaml, then the context\'s).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train delete" v verbose' -s 'v' -l 'verbose' -d 'Print more about what kf does (tokens and secrets are always redacted).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train delete" no-color' -l 'no-color' -d 'Never colour the output (also when NO_COLOR is set).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train delete" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf train delete" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version" client' -l 'client' -d 'Print only the client\'s version; do not ask the cluster for its version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version" kubeconfig' -l 'kubeconfig' -d 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config).' -rF
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version" context' -l 'context' -d 'The kubeconfig context to use (default: KF_CONTEXT, then kf.yaml, then current-context).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version" n namespace' -s 'n' -l 'namespace' -d 'The namespace (default: KF_NAMESPACE, then kf.yaml, then the context\'s).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version" o output' -s 'o' -l 'output' -d 'Output format: table, yaml, json, name or wide, as the command supports.' -rfka 'table yaml json name wide'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version" v verbose' -s 'v' -l 'verbose' -d 'Print more about what kf does (tokens and secrets are always redacted).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version" no-color' -l 'no-color' -d 'Never colour the output (also when NO_COLOR is set).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf version" -eq 1' -fa 'register' -d 'Register a model version: an annotated tag NAME@vX.Y.Z on REF, as `gto register` writes it.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf version" -eq 1' -fa 'promote' -d 'Assign a stage to a version: a tag NAME#STAGE#N (or NAME#STAGE with --simple), as `gto assign` writes it.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf version" -eq 1' -fa 'deprecate' -d 'Deprecate an artifact (NAME@deprecated), a version (NAME@vX.Y.Z!) or a stage (NAME#STAGE!#N), as gto does.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf version" -eq 1' -fa 'list' -d 'List artifacts with their latest version and the version in each stage (GTO\'s `show`).'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf version" -eq 1' -fa 'show' -d 'Show one version: commit, author, date, message, stages, and kf\'s URI, digest, metrics, params, lineage.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf version" -eq 1' -fa 'history' -d 'Show the journal of registrations, assignments and deprecations (GTO\'s `history`).'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf version" -eq 1' -fa 'stages' -d 'List the stages: those .gto (else kf.yaml) allows, else those in use.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf version" -eq 1' -fa 'resolve' -d 'Print the artifact URI of NAME@VERSION or NAME#STAGE (for scripts and `kf serve`).'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf version" -eq 1' -fa 'fetch' -d 'Fetch the registry\'s tags and kf\'s notes (refs/notes/kf) from the registry remote.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf version register" -eq 1' -fka '(__kf_custom_completion ---completion version register -- positional@0 (count (__kf_tokens -pc)) (__kf_tokens -tC))'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version register" ver version' -l 'version' -l 'ver' -d 'The version, e.g. v1.0.0.' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version register" bump' -l 'bump' -d 'Which part to bump: major, minor or patch.' -rfka 'major minor patch'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version register" m message' -s 'm' -l 'message' -d 'The tag message (default: GTO\'s).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version register" uri' -l 'uri' -d 'Where the artifact lives (s3://, gs://, https://, a path...).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version register" path' -l 'path' -d 'A local file or folder: kf records its sha256 digest (and its path as URI unless --uri).' -rF
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version register" type' -l 'type' -d 'The artifact type; must be in .gto\'s types when it lists some.' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version register"' -l 'metric' -d 'A metric, KEY=VALUE (repeatable).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version register"' -l 'param' -d 'A parameter, KEY=VALUE (repeatable).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version register"' -l 'lineage' -d 'Where it came from, KEY=VALUE (repeatable), e.g. job=train-mnist-7.' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version register" push' -l 'push' -d 'Push the tag and kf\'s notes to the registry remote (kf.yaml registry.remote, else origin).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version register" r repo' -s 'r' -l 'repo' -d 'The registry: a repository path or a git URL (cloned into ~/.cache/kf, fetched on each call). Default: the repository around the current folder.' -rfa '(__kf_complete_directories)'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version register" o output' -s 'o' -l 'output' -d 'Output format: table, yaml, json, name or wide, as the command supports.' -rfka 'table yaml json name wide'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version register" v verbose' -s 'v' -l 'verbose' -d 'Print more about what kf does (tokens and secrets are always redacted).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version register" no-color' -l 'no-color' -d 'Never colour the output (also when NO_COLOR is set).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version register" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version register" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf version promote" -eq 1' -fka '(__kf_custom_completion ---completion version promote -- positional@0 (count (__kf_tokens -pc)) (__kf_tokens -tC))'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf version promote" -eq 2' -fka '(__kf_custom_completion ---completion version promote -- positional@1 (count (__kf_tokens -pc)) (__kf_tokens -tC))'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf version promote" -eq 3' -fka '(__kf_custom_completion ---completion version promote -- positional@2 (count (__kf_tokens -pc)) (__kf_tokens -tC))'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version promote" m message' -s 'm' -l 'message' -d 'The tag message (default: GTO\'s).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version promote" simple' -l 'simple' -d 'Write NAME#STAGE without the counter.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version promote" force' -l 'force' -d 'Record the assignment even if the version is already in the stage.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version promote" push' -l 'push' -d 'Push the tag to the registry remote (kf.yaml registry.remote, else origin).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version promote" r repo' -s 'r' -l 'repo' -d 'The registry: a repository path or a git URL (cloned into ~/.cache/kf, fetched on each call). Default: the repository around the current folder.' -rfa '(__kf_complete_directories)'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version promote" o output' -s 'o' -l 'output' -d 'Output format: table, yaml, json, name or wide, as the command supports.' -rfka 'table yaml json name wide'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version promote" v verbose' -s 'v' -l 'verbose' -d 'Print more about what kf does (tokens and secrets are always redacted).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version promote" no-color' -l 'no-color' -d 'Never colour the output (also when NO_COLOR is set).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version promote" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version promote" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf version deprecate" -eq 1' -fka '(__kf_custom_completion ---completion version deprecate -- positional@0 (count (__kf_tokens -pc)) (__kf_tokens -tC))'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf version deprecate" -eq 2' -fka '(__kf_custom_completion ---completion version deprecate -- positional@1 (count (__kf_tokens -pc)) (__kf_tokens -tC))'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf version deprecate" -eq 3' -fka '(__kf_custom_completion ---completion version deprecate -- positional@2 (count (__kf_tokens -pc)) (__kf_tokens -tC))'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version deprecate" m message' -s 'm' -l 'message' -d 'The tag message (default: GTO\'s).' -rfka ''
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version deprecate" d delete' -s 'd' -l 'delete' -d 'Delete the tags instead of writing a new one.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version deprecate" push' -l 'push' -d 'Push the change to the registry remote (kf.yaml registry.remote, else origin).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version deprecate" r repo' -s 'r' -l 'repo' -d 'The registry: a repository path or a git URL (cloned into ~/.cache/kf, fetched on each call). Default: the repository around the current folder.' -rfa '(__kf_complete_directories)'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version deprecate" o output' -s 'o' -l 'output' -d 'Output format: table, yaml, json, name or wide, as the command supports.' -rfka 'table yaml json name wide'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version deprecate" v verbose' -s 'v' -l 'verbose' -d 'Print more about what kf does (tokens and secrets are always redacted).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version deprecate" no-color' -l 'no-color' -d 'Never colour the output (also when NO_COLOR is set).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version deprecate" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version deprecate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf version list" -eq 1' -fka '(__kf_custom_completion ---completion version list -- positional@0 (count (__kf_tokens -pc)) (__kf_tokens -tC))'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version list" d deprecated' -s 'd' -l 'deprecated' -d 'Include deprecated artifacts and versions.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version list" r repo' -s 'r' -l 'repo' -d 'The registry: a repository path or a git URL (cloned into ~/.cache/kf, fetched on each call). Default: the repository around the current folder.' -rfa '(__kf_complete_directories)'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version list" o output' -s 'o' -l 'output' -d 'Output format: table, yaml, json, name or wide, as the command supports.' -rfka 'table yaml json name wide'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version list" v verbose' -s 'v' -l 'verbose' -d 'Print more about what kf does (tokens and secrets are always redacted).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version list" no-color' -l 'no-color' -d 'Never colour the output (also when NO_COLOR is set).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version list" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf version show" -eq 1' -fka '(__kf_custom_completion ---completion version show -- positional@0 (count (__kf_tokens -pc)) (__kf_tokens -tC))'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version show" r repo' -s 'r' -l 'repo' -d 'The registry: a repository path or a git URL (cloned into ~/.cache/kf, fetched on each call). Default: the repository around the current folder.' -rfa '(__kf_complete_directories)'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version show" o output' -s 'o' -l 'output' -d 'Output format: table, yaml, json, name or wide, as the command supports.' -rfka 'table yaml json name wide'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version show" v verbose' -s 'v' -l 'verbose' -d 'Print more about what kf does (tokens and secrets are always redacted).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version show" no-color' -l 'no-color' -d 'Never colour the output (also when NO_COLOR is set).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version show" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version show" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf version history" -eq 1' -fka '(__kf_custom_completion ---completion version history -- positional@0 (count (__kf_tokens -pc)) (__kf_tokens -tC))'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version history" asc ascending' -l 'ascending' -l 'asc' -d 'Oldest first.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version history" r repo' -s 'r' -l 'repo' -d 'The registry: a repository path or a git URL (cloned into ~/.cache/kf, fetched on each call). Default: the repository around the current folder.' -rfa '(__kf_complete_directories)'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version history" o output' -s 'o' -l 'output' -d 'Output format: table, yaml, json, name or wide, as the command supports.' -rfka 'table yaml json name wide'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version history" v verbose' -s 'v' -l 'verbose' -d 'Print more about what kf does (tokens and secrets are always redacted).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version history" no-color' -l 'no-color' -d 'Never colour the output (also when NO_COLOR is set).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version history" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version history" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version stages" allowed' -l 'allowed' -d 'Only the stages the configuration allows.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version stages" used' -l 'used' -d 'Only the stages some version is in.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version stages" r repo' -s 'r' -l 'repo' -d 'The registry: a repository path or a git URL (cloned into ~/.cache/kf, fetched on each call). Default: the repository around the current folder.' -rfa '(__kf_complete_directories)'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version stages" o output' -s 'o' -l 'output' -d 'Output format: table, yaml, json, name or wide, as the command supports.' -rfka 'table yaml json name wide'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version stages" v verbose' -s 'v' -l 'verbose' -d 'Print more about what kf does (tokens and secrets are always redacted).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version stages" no-color' -l 'no-color' -d 'Never colour the output (also when NO_COLOR is set).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version stages" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version stages" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf version resolve" -eq 1' -fka '(__kf_custom_completion ---completion version resolve -- positional@0 (count (__kf_tokens -pc)) (__kf_tokens -tC))'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version resolve" r repo' -s 'r' -l 'repo' -d 'The registry: a repository path or a git URL (cloned into ~/.cache/kf, fetched on each call). Default: the repository around the current folder.' -rfa '(__kf_complete_directories)'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version resolve" o output' -s 'o' -l 'output' -d 'Output format: table, yaml, json, name or wide, as the command supports.' -rfka 'table yaml json name wide'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version resolve" v verbose' -s 'v' -l 'verbose' -d 'Print more about what kf does (tokens and secrets are always redacted).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version resolve" no-color' -l 'no-color' -d 'Never colour the output (also when NO_COLOR is set).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version resolve" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version resolve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version fetch" r repo' -s 'r' -l 'repo' -d 'The registry: a repository path or a git URL (cloned into ~/.cache/kf, fetched on each call). Default: the repository around the current folder.' -rfa '(__kf_complete_directories)'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version fetch" o output' -s 'o' -l 'output' -d 'Output format: table, yaml, json, name or wide, as the command supports.' -rfka 'table yaml json name wide'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version fetch" v verbose' -s 'v' -l 'verbose' -d 'Print more about what kf does (tokens and secrets are always redacted).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version fetch" no-color' -l 'no-color' -d 'Never colour the output (also when NO_COLOR is set).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version fetch" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version fetch" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf local" -eq 1' -fa 'up' -d 'Start kf-local in the background (if it is not running).'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf local" -eq 1' -fa 'down' -d 'Stop kf-local (its objects stay in .kf/).'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf local" -eq 1' -fa 'status' -d 'Show kf-local\'s address, version, uptime and object counts.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf local" -eq 1' -fa 'reset' -d 'Stop kf-local and delete every object it stores.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf local" -eq 1' -fa 'kubeconfig' -d 'Print a kubeconfig for kf-local (starting it if needed).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local up" project' -l 'project' -d 'The project folder (default: the one holding kf.yaml, from the current folder up).' -rfa '(__kf_complete_directories)'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local up" v verbose' -s 'v' -l 'verbose' -d 'Print more about what kf does (tokens and secrets are always redacted).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local up" no-color' -l 'no-color' -d 'Never colour the output (also when NO_COLOR is set).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local up" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local up" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local down" project' -l 'project' -d 'The project folder (default: the one holding kf.yaml, from the current folder up).' -rfa '(__kf_complete_directories)'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local down" v verbose' -s 'v' -l 'verbose' -d 'Print more about what kf does (tokens and secrets are always redacted).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local down" no-color' -l 'no-color' -d 'Never colour the output (also when NO_COLOR is set).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local down" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local down" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local status" project' -l 'project' -d 'The project folder (default: the one holding kf.yaml, from the current folder up).' -rfa '(__kf_complete_directories)'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local status" v verbose' -s 'v' -l 'verbose' -d 'Print more about what kf does (tokens and secrets are always redacted).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local status" no-color' -l 'no-color' -d 'Never colour the output (also when NO_COLOR is set).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local status" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local reset" project' -l 'project' -d 'The project folder (default: the one holding kf.yaml, from the current folder up).' -rfa '(__kf_complete_directories)'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local reset" v verbose' -s 'v' -l 'verbose' -d 'Print more about what kf does (tokens and secrets are always redacted).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local reset" no-color' -l 'no-color' -d 'Never colour the output (also when NO_COLOR is set).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local reset" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local reset" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local kubeconfig" project' -l 'project' -d 'The project folder (default: the one holding kf.yaml, from the current folder up).' -rfa '(__kf_complete_directories)'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local kubeconfig" client-cert' -l 'client-cert' -d 'Authenticate with kf-local\'s admin client certificate (client-certificate-data) instead of the bearer token.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local kubeconfig" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local kubeconfig" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf completion" -eq 1' -fka 'bash zsh fish'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf completion" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf completion" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf help" version' -l 'version' -d 'Show the version.'