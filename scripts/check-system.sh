#!/usr/bin/env bash
# Says clearly which system packages ediary needs and which are missing on this machine.
python=${1:-python3}
missing=()
if ! command -v "$python" >/dev/null 2>&1; then
  echo "ediary needs Python 3.11 or newer: sudo apt install python3 python3-venv" >&2
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "ediary needs Python 3.11 or newer; $python is $("$python" --version 2>&1)." >&2
  exit 1
fi
"$python" -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
if command -v ldconfig >/dev/null 2>&1; then
  ldconfig -p | grep -q 'libpango-1.0' || missing+=(libpango-1.0-0)
  ldconfig -p | grep -q 'libpangoft2-1.0' || missing+=(libpangoft2-1.0-0)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "ediary needs these system packages (the PDF engine WeasyPrint needs Pango):" >&2
  echo "    sudo apt install ${missing[*]}" >&2
  exit 1
fi
