# Sourced by the other scripts.

# require_root SCRIPT WHY: exit 2 with a one-line reason unless running as root.
require_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "$1: run as root (sudo $1): $2" >&2
    exit 2
  fi
}
