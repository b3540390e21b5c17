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
        case 'version'
            __kf_parse_subcommand 0 'o/output=' 'v/verbose' 'no-color' 'version' 'h/help'
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
                __kf_parse_subcommand 0 'project=' 'version' 'h/help'
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
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf" -eq 1' -fa 'version' -d 'Print kf\'s version and what it was built with.'
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
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version" o output' -s 'o' -l 'output' -d 'Output format: table, yaml, json, name or wide, as the command supports.' -rfka 'table yaml json name wide'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version" v verbose' -s 'v' -l 'verbose' -d 'Print more about what kf does (tokens and secrets are always redacted).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version" no-color' -l 'no-color' -d 'Never colour the output (also when NO_COLOR is set).'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf version" h help' -s 'h' -l 'help' -d 'Show help information.'
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
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local kubeconfig" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf local kubeconfig" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_positional "kf completion" -eq 1' -fka 'bash zsh fish'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf completion" version' -l 'version' -d 'Show the version.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf completion" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kf' -n '__kf_should_offer_completions_for_flags_or_options "kf help" version' -l 'version' -d 'Show the version.'