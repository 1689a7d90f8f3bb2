# Bash completion for forge: its commands, each command's flags (as `forge COMMAND --help` lists
# them, the plugins' flags too once --data and --model are on the line), plugin files and
# built-in names after --data/--model, and folders where a run folder goes.
# Installed as share/bash-completion/completions/forge; from a checkout:
#   source scripts/forge-completion.bash

shopt -s extglob  # the -X patterns below
_forge_commands="train resume eval export sweep search compile runs show diff report sync check-resume help"

# The --flags that `forge ARGS... --help` prints at the start of its lines.
_forge_flags_of() {
  "${_forge_program:-forge}" "$@" --help 2>/dev/null | sed -n 's/^ *\(--[A-Za-z0-9_-]*\).*/\1/p'
}

_forge() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  local _forge_program=${COMP_WORDS[0]}
  COMPREPLY=()
  if ((COMP_CWORD == 1)); then
    mapfile -t COMPREPLY < <(compgen -W "$_forge_commands --help --version" -- "$cur")
    return
  fi
  local command=${COMP_WORDS[1]}

  case $prev in
    --data | --model)
      local builtin="mnist synthetic csv"
      [[ $prev == --model ]] && builtin="mlp cnn"
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -W "$builtin" -- "$cur"; compgen -d -- "$cur"
                               compgen -f -X '!*.@(cpp|cc|cxx|so)' -- "$cur")
      return ;;
    --config | --csv_path | -o | --output)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return ;;
    --checkpoint_dir | --run_dir | --data_dir)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -d -- "$cur")
      return ;;
  esac

  if [[ $cur == -* ]]; then
    local given=() i
    if [[ $command == train || $command == check-resume || $command == sweep || $command == search ]]; then
      # The plugins' flags join forge's once both plugins are named.
      for ((i = 2; i < COMP_CWORD; i++)); do
        [[ ${COMP_WORDS[i]} == --data || ${COMP_WORDS[i]} == --model ]] &&
          given+=("${COMP_WORDS[i]}" "${COMP_WORDS[i+1]}")
      done
    fi
    local flags
    if [[ $command == sweep || $command == search ]]; then  # its own options, and forge train's flags for the trials
      flags="$(_forge_flags_of "$command") $(_forge_flags_of train "${given[@]}")"
    else
      flags=$(_forge_flags_of "$command" "${given[@]}")
    fi
    mapfile -t COMPREPLY < <(compgen -W "$flags" -- "$cur")
    return
  fi

  case $command in
    resume | eval | export | show | diff | runs | report | sync)
      # Run folders sit below a --checkpoint_dir (checkpoints/NAME/N): offer folders.
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
    compile)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -d -- "$cur"; compgen -f -X '!*.@(cpp|cc|cxx)' -- "$cur") ;;
  esac
}

complete -F _forge forge
