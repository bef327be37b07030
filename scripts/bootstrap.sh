#!/usr/bin/env bash
# Installs what narrate needs, only when it is missing, then makes .venv with narrate in it.
#   scripts/bootstrap.sh          runtime install
#   scripts/bootstrap.sh --dev    with the test/lint extras
# System step: apt-get when root or sudo works, brew on macOS, otherwise prints exactly what to install.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
extras=""
[ "${1:-}" = "--dev" ] && extras="[dev]"

say() { printf 'bootstrap: %s\n' "$*" >&2; }

missing=()
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
command -v ffprobe >/dev/null 2>&1 || { [[ " ${missing[*]-} " == *" ffmpeg "* ]] || missing+=(ffmpeg); }
# pyttsx3's espeak driver loads the shared library, not the command. ldconfig lives in
# /sbin, which a user's PATH on Debian does not hold; without one, the command must do.
if [ "$(uname -s)" = "Linux" ]; then
  ldconfig_cmd="$(PATH="$PATH:/usr/sbin:/sbin" command -v ldconfig || true)"
  # The listing is read whole before it is searched: piped into `grep -q`, ldconfig dies
  # of SIGPIPE when grep stops at the first match, and pipefail calls that "missing".
  # No pipe in this script may end in a reader that stops early.
  if [ -n "$ldconfig_cmd" ]; then
    libraries="$("$ldconfig_cmd" -p 2>/dev/null || true)"
    if [[ "$libraries" != *"libespeak-ng.so.1"* ]]; then
      [[ " ${missing[*]-} " == *" espeak-ng "* ]] || missing+=(espeak-ng)
    fi
  fi
fi

# Independent MP3 checkers the test suite runs (Debian/Ubuntu packages), and headless
# Chromium with its driver for the show-page browser test.
if [ -n "$extras" ] && command -v apt-get >/dev/null 2>&1; then
  for tool in mp3guessenc mpg123 chromium chromedriver; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
elif [ -n "$extras" ] && ! command -v chromedriver >/dev/null 2>&1; then
  say "the show-page browser test needs Chromium and chromedriver; it is skipped without them."
  say "  on macOS: brew install --cask chromium && brew install --cask chromedriver"
fi

if [ "${#missing[@]}" -gt 0 ]; then
  say "missing system packages: ${missing[*]}"
  if [ "$(uname -s)" = "Darwin" ]; then
    if command -v brew >/dev/null 2>&1; then
      brew install "${missing[@]}"
    else
      say "Homebrew not found. Install it (https://brew.sh), then run: brew install ${missing[*]}"
      exit 1
    fi
  elif command -v apt-get >/dev/null 2>&1; then
    pkgs=()
    for m in "${missing[@]}"; do
      case "$m" in
        espeak-ng) pkgs+=(espeak-ng libespeak-ng1) ;;
        ffmpeg) pkgs+=(ffmpeg) ;;
        chromedriver) pkgs+=(chromium-driver) ;;
        *) pkgs+=("$m") ;;
      esac
    done
    if [ "$(id -u)" -eq 0 ]; then sudo_cmd=()
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo_cmd=(sudo -n)
    elif command -v sudo >/dev/null 2>&1; then
      say "not root, and sudo needs a password. Please run:"
      say "  sudo apt-get update && sudo apt-get install -y ${pkgs[*]}"
      exit 1
    else
      say "not root and no sudo. As root, run:"
      say "  apt-get update && apt-get install -y ${pkgs[*]}"
      exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -qq >&2
    "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >&2
  else
    say "no apt-get or brew here. Install these with your package manager: ${missing[*]} (espeak-ng with its shared library libespeak-ng)"
    exit 1
  fi
fi

py="${PYTHON:-}"
if [ -z "$py" ]; then
  for c in python3.13 python3.12 python3.11 python3.10 python3; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then py="$c"; break; fi
  done
fi
[ -n "$py" ] || { say "Python 3.10 or newer is needed (python3 -m venv must work)."; exit 1; }

if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $py"
  "$py" -m venv .venv >&2 || { say "python venv failed; on Debian/Ubuntu: apt-get install python3-venv"; exit 1; }
fi
# Reinstall only when pyproject.toml changed or the extras asked for are new.
# A dev install also satisfies a runtime one.
stamp=".venv/.narrate-installed${extras:+-dev}"
fresh() { [ -f "$1" ] && ! [ pyproject.toml -nt "$1" ]; }
if ! fresh "$stamp" && ! { [ -z "$extras" ] && fresh .venv/.narrate-installed-dev; }; then
  say "installing narrate${extras} into .venv"
  .venv/bin/python -m pip install -q --upgrade pip >&2
  # The distribution was called "narrate" before it became narrate-reviews: drop the old one.
  .venv/bin/python -m pip uninstall -q -y narrate >/dev/null 2>&1 || true
  rm -rf src/narrate.egg-info
  .venv/bin/python -m pip install -q -e ".${extras}" >&2
  touch "$stamp"
fi
# The Podcast Index's feed parser (podcast-partytime, npm) for the feed tests, into
# .venv/node; only with --dev and when npm is there (the test is skipped without it).
partytime="podcast-partytime@5.0.0"
if [ -n "$extras" ] && [ ! -f .venv/node/node_modules/podcast-partytime/package.json ]; then
  if command -v npm >/dev/null 2>&1; then
    say "installing $partytime into .venv/node"
    npm install --prefix .venv/node --no-audit --no-fund --silent "$partytime" >&2 \
      || say "npm install $partytime failed: the partytime feed test will be skipped"
  else
    say "npm not found: the podcast-partytime feed test is skipped (install Node.js and npm to run it)"
  fi
fi
