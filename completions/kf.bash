#!/bin/bash

__kf_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__kf_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__kf_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__kf_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_kf() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __kf_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    init|build|apply|delete|train|tune|serve|pipeline|version|local|completion|help)
        # Offer subcommand argument completions
        "_kf_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'init build apply delete train tune serve pipeline version local completion help' -- "${cur}"))
        ;;
    esac
}

_kf_init() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--name -n --namespace --context --registry-remote --example)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--name')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '--context')
        return
        ;;
    '--registry-remote')
        return
        ;;
    '--example')
        __kf_add_completions -W 'digits'$'\n''recommender'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __kf_add_completions -d
        return
        ;;
    esac
}

_kf_build() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--output-path --load-restrictor -o --output)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--output-path')
        __kf_add_completions -f
        return
        ;;
    '--load-restrictor')
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __kf_add_completions -d
        return
        ;;
    esac
}

_kf_apply() {
    repeating_flags=()
    non_repeating_flags=(--diff --prune --wait -v --verbose --no-color --version -h --help)
    repeating_options=(-f --filename)
    non_repeating_options=(--env --dry-run --applyset --timeout --field-manager --kubeconfig --context -n --namespace -o --output)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '-f'|'--filename')
        __kf_add_completions -o plusdirs -fX '!*.@(yaml|yml|json)'
        return
        ;;
    '--env')
        return
        ;;
    '--dry-run')
        __kf_add_completions -W 'none'$'\n''client'$'\n''server'
        return
        ;;
    '--applyset')
        return
        ;;
    '--timeout')
        return
        ;;
    '--field-manager')
        return
        ;;
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __kf_add_completions -d
        return
        ;;
    esac
}

_kf_delete() {
    repeating_flags=()
    non_repeating_flags=(--wait -v --verbose --no-color --version -h --help)
    repeating_options=(-f --filename)
    non_repeating_options=(--env --timeout --kubeconfig --context -n --namespace)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '-f'|'--filename')
        __kf_add_completions -o plusdirs -fX '!*.@(yaml|yml|json)'
        return
        ;;
    '--env')
        return
        ;;
    '--timeout')
        return
        ;;
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __kf_add_completions -d
        return
        ;;
    esac
}

_kf_train() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __kf_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    run|list|status|logs|wait|delete)
        # Offer subcommand argument completions
        "_kf_train_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'run list status logs wait delete' -- "${cur}"))
        ;;
    esac
}

_kf_train_run() {
    repeating_flags=()
    non_repeating_flags=(--trainer-v2 --chief --wait --follow -v --verbose --no-color --version -h --help)
    repeating_options=(--env --input)
    non_repeating_options=(-f --filename --framework --runtime --image --workers --ps --procs-per-worker --cpu --memory --gpus --restart-policy --backoff-limit --active-deadline --ttl --clean-pod-policy --elastic --register --timeout --dry-run --kubeconfig --context -n --namespace -o --output)
    __kf_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '-f'|'--filename')
        __kf_add_completions -o plusdirs -fX '!*.@(yaml|yml|json)'
        return
        ;;
    '--framework')
        return
        ;;
    '--runtime')
        return
        ;;
    '--image')
        return
        ;;
    '--workers')
        return
        ;;
    '--ps')
        return
        ;;
    '--procs-per-worker')
        return
        ;;
    '--cpu')
        return
        ;;
    '--memory')
        return
        ;;
    '--gpus')
        return
        ;;
    '--env')
        return
        ;;
    '--restart-policy')
        return
        ;;
    '--backoff-limit')
        return
        ;;
    '--active-deadline')
        return
        ;;
    '--ttl')
        return
        ;;
    '--clean-pod-policy')
        return
        ;;
    '--elastic')
        return
        ;;
    '--register')
        return
        ;;
    '--input')
        __kf_add_completions -f
        return
        ;;
    '--timeout')
        return
        ;;
    '--dry-run')
        __kf_add_completions -W 'none'$'\n''client'$'\n''server'
        return
        ;;
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac
}

_kf_train_list() {
    repeating_flags=()
    non_repeating_flags=(-a --all-namespaces -v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--kubeconfig --context -n --namespace -o --output)
    __kf_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac
}

_kf_train_status() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--kind --kubeconfig --context -n --namespace -o --output)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--kind')
        return
        ;;
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac
}

_kf_train_logs() {
    repeating_flags=()
    non_repeating_flags=(-f --follow --all -v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--kind --replica --index --tail --kubeconfig --context -n --namespace)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--kind')
        return
        ;;
    '--replica')
        return
        ;;
    '--index')
        return
        ;;
    '--tail')
        return
        ;;
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    esac
}

_kf_train_wait() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--kind --timeout --kubeconfig --context -n --namespace)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--kind')
        return
        ;;
    '--timeout')
        return
        ;;
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    esac
}

_kf_train_delete() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--kind --kubeconfig --context -n --namespace)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--kind')
        return
        ;;
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    esac
}

_kf_tune() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __kf_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    run|list|status|trials|best|logs|wait|delete)
        # Offer subcommand argument completions
        "_kf_tune_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'run list status trials best logs wait delete' -- "${cur}"))
        ;;
    esac
}

_kf_tune_run() {
    repeating_flags=()
    non_repeating_flags=(--wait --watch -v --verbose --no-color --version -h --help)
    repeating_options=(--additional-metric --metric-strategy --setting --param --early-stopping-setting --metrics-format --env)
    non_repeating_options=(-f --filename --objective --metric --goal --algorithm --max-trials --parallel --max-failed --early-stopping --collector --trial-kind --image --workers --cpu --memory --gpus --register --timeout --dry-run --kubeconfig --context -n --namespace -o --output)
    __kf_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '-f'|'--filename')
        __kf_add_completions -o plusdirs -fX '!*.@(yaml|yml|json)'
        return
        ;;
    '--objective')
        return
        ;;
    '--metric')
        return
        ;;
    '--goal')
        return
        ;;
    '--additional-metric')
        return
        ;;
    '--metric-strategy')
        return
        ;;
    '--algorithm')
        return
        ;;
    '--setting')
        return
        ;;
    '--param')
        return
        ;;
    '--max-trials')
        return
        ;;
    '--parallel')
        return
        ;;
    '--max-failed')
        return
        ;;
    '--early-stopping')
        return
        ;;
    '--early-stopping-setting')
        return
        ;;
    '--collector')
        return
        ;;
    '--metrics-format')
        return
        ;;
    '--trial-kind')
        return
        ;;
    '--image')
        return
        ;;
    '--workers')
        return
        ;;
    '--cpu')
        return
        ;;
    '--memory')
        return
        ;;
    '--gpus')
        return
        ;;
    '--env')
        return
        ;;
    '--register')
        return
        ;;
    '--timeout')
        return
        ;;
    '--dry-run')
        __kf_add_completions -W 'none'$'\n''client'$'\n''server'
        return
        ;;
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac
}

_kf_tune_list() {
    repeating_flags=()
    non_repeating_flags=(-a --all-namespaces -v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--kubeconfig --context -n --namespace -o --output)
    __kf_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac
}

_kf_tune_status() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--kubeconfig --context -n --namespace -o --output)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac
}

_kf_tune_trials() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--kubeconfig --context -n --namespace -o --output)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac
}

_kf_tune_best() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--kubeconfig --context -n --namespace -o --output)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac
}

_kf_tune_logs() {
    repeating_flags=()
    non_repeating_flags=(-f --follow -v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--trial --tail --kubeconfig --context -n --namespace)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--trial')
        return
        ;;
    '--tail')
        return
        ;;
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    esac
}

_kf_tune_wait() {
    repeating_flags=()
    non_repeating_flags=(--watch -v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--timeout --kubeconfig --context -n --namespace)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--timeout')
        return
        ;;
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    esac
}

_kf_tune_delete() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--kubeconfig --context -n --namespace)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    esac
}

_kf_serve() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __kf_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    run|list|status|predict|promote|rollback|logs|delete)
        # Offer subcommand argument completions
        "_kf_serve_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'run list status predict promote rollback logs delete' -- "${cur}"))
        ;;
    esac
}

_kf_serve_run() {
    repeating_flags=()
    non_repeating_flags=(--wait -v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--model --storage-uri --format --runtime --protocol --canary --min-replicas --max-replicas --cpu --memory --deployment-mode --registry --timeout --dry-run --kubeconfig --context -n --namespace -o --output)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--model')
        __kf_add_completions -W "$(__kf_custom_complete ---completion serve run -- --model "${COMP_CWORD}" "$(__kf_cursor_index_in_current_word)")"
        return
        ;;
    '--storage-uri')
        return
        ;;
    '--format')
        return
        ;;
    '--runtime')
        return
        ;;
    '--protocol')
        return
        ;;
    '--canary')
        return
        ;;
    '--min-replicas')
        return
        ;;
    '--max-replicas')
        return
        ;;
    '--cpu')
        return
        ;;
    '--memory')
        return
        ;;
    '--deployment-mode')
        return
        ;;
    '--registry')
        __kf_add_completions -d
        return
        ;;
    '--timeout')
        return
        ;;
    '--dry-run')
        __kf_add_completions -W 'none'$'\n''client'$'\n''server'
        return
        ;;
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac
}

_kf_serve_list() {
    repeating_flags=()
    non_repeating_flags=(-a --all-namespaces -v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--kubeconfig --context -n --namespace -o --output)
    __kf_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac
}

_kf_serve_status() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--kubeconfig --context -n --namespace -o --output)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac
}

_kf_serve_predict() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--data --json --protocol --via --kubeconfig --context -n --namespace -o --output)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--data')
        __kf_add_completions -o plusdirs -fX '!*.@(json)'
        return
        ;;
    '--json')
        return
        ;;
    '--protocol')
        __kf_add_completions -W 'v1'$'\n''v2'
        return
        ;;
    '--via')
        __kf_add_completions -W 'auto'$'\n''url'$'\n''proxy'
        return
        ;;
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac
}

_kf_serve_promote() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--kubeconfig --context -n --namespace)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    esac
}

_kf_serve_rollback() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--kubeconfig --context -n --namespace)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    esac
}

_kf_serve_logs() {
    repeating_flags=()
    non_repeating_flags=(-f --follow --canary -v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--tail --kubeconfig --context -n --namespace)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--tail')
        return
        ;;
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    esac
}

_kf_serve_delete() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--kubeconfig --context -n --namespace)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    esac
}

_kf_pipeline() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __kf_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    compile|run|upload|list|status|logs|delete|retry|terminate)
        # Offer subcommand argument completions
        "_kf_pipeline_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'compile run upload list status logs delete retry terminate' -- "${cur}"))
        ;;
    esac
}

_kf_pipeline_compile() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=(-p --param)
    non_repeating_options=(--to -o --output)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--to')
        __kf_add_completions -W 'ir'$'\n''argo'
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -f
        return
        ;;
    '-p'|'--param')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __kf_add_completions -o plusdirs -fX '!*.@(yaml|yml)'
        return
        ;;
    esac
}

_kf_pipeline_run() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --watch -f --follow -v --verbose --no-color --version -h --help)
    repeating_options=(-p --param)
    non_repeating_options=(--pipeline --pipeline-version --name --parallel --experiment --endpoint --token --kubeconfig --context -n --namespace)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--pipeline')
        return
        ;;
    '--pipeline-version')
        return
        ;;
    '-p'|'--param')
        return
        ;;
    '--name')
        return
        ;;
    '--parallel')
        return
        ;;
    '--experiment')
        return
        ;;
    '--endpoint')
        return
        ;;
    '--token')
        return
        ;;
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __kf_add_completions -o plusdirs -fX '!*.@(yaml|yml)'
        return
        ;;
    esac
}

_kf_pipeline_upload() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--name --description --pipeline-version --endpoint --token --kubeconfig --context -n --namespace)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--name')
        return
        ;;
    '--description')
        return
        ;;
    '--pipeline-version')
        return
        ;;
    '--endpoint')
        return
        ;;
    '--token')
        return
        ;;
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __kf_add_completions -o plusdirs -fX '!*.@(yaml|yml)'
        return
        ;;
    esac
}

_kf_pipeline_list() {
    repeating_flags=()
    non_repeating_flags=(--pipelines -v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--experiment --endpoint --token --kubeconfig --context -n --namespace -o --output)
    __kf_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--experiment')
        return
        ;;
    '--endpoint')
        return
        ;;
    '--token')
        return
        ;;
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac
}

_kf_pipeline_status() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--endpoint --token --kubeconfig --context -n --namespace -o --output)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--endpoint')
        return
        ;;
    '--token')
        return
        ;;
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac
}

_kf_pipeline_logs() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--task --endpoint --token --kubeconfig --context -n --namespace)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--task')
        return
        ;;
    '--endpoint')
        return
        ;;
    '--token')
        return
        ;;
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    esac
}

_kf_pipeline_delete() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--pipeline --pipeline-version --endpoint --token --kubeconfig --context -n --namespace)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--pipeline')
        return
        ;;
    '--pipeline-version')
        return
        ;;
    '--endpoint')
        return
        ;;
    '--token')
        return
        ;;
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    esac
}

_kf_pipeline_retry() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--endpoint --token --kubeconfig --context -n --namespace)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--endpoint')
        return
        ;;
    '--token')
        return
        ;;
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    esac
}

_kf_pipeline_terminate() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--endpoint --token --kubeconfig --context -n --namespace)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--endpoint')
        return
        ;;
    '--token')
        return
        ;;
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    esac
}

_kf_version() {
    repeating_flags=()
    non_repeating_flags=(--client -v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--kubeconfig --context -n --namespace -o --output)
    __kf_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        __kf_add_completions -f
        return
        ;;
    '--context')
        return
        ;;
    '-n'|'--namespace')
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    register|promote|deprecate|list|show|history|stages|resolve|fetch)
        # Offer subcommand argument completions
        "_kf_version_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'register promote deprecate list show history stages resolve fetch' -- "${cur}"))
        ;;
    esac
}

_kf_version_register() {
    repeating_flags=()
    non_repeating_flags=(--push -v --verbose --no-color --version -h --help)
    repeating_options=(--metric --param --lineage)
    non_repeating_options=(--version --ver --bump -m --message --uri --path --type -r --repo -o --output)
    __kf_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--version'|'--ver')
        return
        ;;
    '--bump')
        __kf_add_completions -W 'major'$'\n''minor'$'\n''patch'
        return
        ;;
    '-m'|'--message')
        return
        ;;
    '--uri')
        return
        ;;
    '--path')
        __kf_add_completions -f
        return
        ;;
    '--type')
        return
        ;;
    '--metric')
        return
        ;;
    '--param')
        return
        ;;
    '--lineage')
        return
        ;;
    '-r'|'--repo')
        __kf_add_completions -d
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __kf_add_completions -W "$(__kf_custom_complete ---completion version register -- positional@0 "${COMP_CWORD}" "$(__kf_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_kf_version_promote() {
    repeating_flags=()
    non_repeating_flags=(--simple --force --push -v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(-m --message -r --repo -o --output)
    __kf_offer_flags_options 3

    # Offer option value completions
    case "${prev}" in
    '-m'|'--message')
        return
        ;;
    '-r'|'--repo')
        __kf_add_completions -d
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __kf_add_completions -W "$(__kf_custom_complete ---completion version promote -- positional@0 "${COMP_CWORD}" "$(__kf_cursor_index_in_current_word)")"
        return
        ;;
    2)
        __kf_add_completions -W "$(__kf_custom_complete ---completion version promote -- positional@1 "${COMP_CWORD}" "$(__kf_cursor_index_in_current_word)")"
        return
        ;;
    3)
        __kf_add_completions -W "$(__kf_custom_complete ---completion version promote -- positional@2 "${COMP_CWORD}" "$(__kf_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_kf_version_deprecate() {
    repeating_flags=()
    non_repeating_flags=(-d --delete --push -v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(-m --message -r --repo -o --output)
    __kf_offer_flags_options 3

    # Offer option value completions
    case "${prev}" in
    '-m'|'--message')
        return
        ;;
    '-r'|'--repo')
        __kf_add_completions -d
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __kf_add_completions -W "$(__kf_custom_complete ---completion version deprecate -- positional@0 "${COMP_CWORD}" "$(__kf_cursor_index_in_current_word)")"
        return
        ;;
    2)
        __kf_add_completions -W "$(__kf_custom_complete ---completion version deprecate -- positional@1 "${COMP_CWORD}" "$(__kf_cursor_index_in_current_word)")"
        return
        ;;
    3)
        __kf_add_completions -W "$(__kf_custom_complete ---completion version deprecate -- positional@2 "${COMP_CWORD}" "$(__kf_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_kf_version_list() {
    repeating_flags=()
    non_repeating_flags=(-d --deprecated -v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(-r --repo -o --output)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '-r'|'--repo')
        __kf_add_completions -d
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __kf_add_completions -W "$(__kf_custom_complete ---completion version list -- positional@0 "${COMP_CWORD}" "$(__kf_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_kf_version_show() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(-r --repo -o --output)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '-r'|'--repo')
        __kf_add_completions -d
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __kf_add_completions -W "$(__kf_custom_complete ---completion version show -- positional@0 "${COMP_CWORD}" "$(__kf_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_kf_version_history() {
    repeating_flags=()
    non_repeating_flags=(--ascending --asc -v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(-r --repo -o --output)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '-r'|'--repo')
        __kf_add_completions -d
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __kf_add_completions -W "$(__kf_custom_complete ---completion version history -- positional@0 "${COMP_CWORD}" "$(__kf_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_kf_version_stages() {
    repeating_flags=()
    non_repeating_flags=(--allowed --used -v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(-r --repo -o --output)
    __kf_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '-r'|'--repo')
        __kf_add_completions -d
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac
}

_kf_version_resolve() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(-r --repo -o --output)
    __kf_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '-r'|'--repo')
        __kf_add_completions -d
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __kf_add_completions -W "$(__kf_custom_complete ---completion version resolve -- positional@0 "${COMP_CWORD}" "$(__kf_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_kf_version_fetch() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(-r --repo -o --output)
    __kf_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '-r'|'--repo')
        __kf_add_completions -d
        return
        ;;
    '-o'|'--output')
        __kf_add_completions -W 'table'$'\n''yaml'$'\n''json'$'\n''name'$'\n''wide'
        return
        ;;
    esac
}

_kf_local() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __kf_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    up|down|status|reset|kubeconfig)
        # Offer subcommand argument completions
        "_kf_local_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'up down status reset kubeconfig' -- "${cur}"))
        ;;
    esac
}

_kf_local_up() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--project)
    __kf_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--project')
        __kf_add_completions -d
        return
        ;;
    esac
}

_kf_local_down() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--project --grace)
    __kf_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--project')
        __kf_add_completions -d
        return
        ;;
    '--grace')
        return
        ;;
    esac
}

_kf_local_status() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--project)
    __kf_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--project')
        __kf_add_completions -d
        return
        ;;
    esac
}

_kf_local_reset() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--project)
    __kf_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--project')
        __kf_add_completions -d
        return
        ;;
    esac
}

_kf_local_kubeconfig() {
    repeating_flags=()
    non_repeating_flags=(--client-cert --version -h --help)
    repeating_options=()
    non_repeating_options=(--project)
    __kf_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--project')
        __kf_add_completions -d
        return
        ;;
    esac
}

_kf_completion() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __kf_offer_flags_options 1

    # Offer positional completions
    case "${positional_number}" in
    1)
        __kf_add_completions -W 'bash'$'\n''zsh'$'\n''fish'
        return
        ;;
    esac
}

_kf_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __kf_offer_flags_options -1
}

complete -o filenames -F _kf kf