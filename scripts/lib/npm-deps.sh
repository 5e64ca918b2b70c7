# Sourced by the node test scripts (scripts/test-node, scripts/test-agents): installs the npm
# packages pinned in the current directory's package.json (and package-lock.json when there is
# one) into ./node_modules, at most once per change of those files.
#
# - npm's download cache is a stable directory outside the tree (npm_config_cache when set, else
#   ${XDG_CACHE_HOME:-$HOME/.cache}/router-npm), so a fresh node_modules installs from the cache.
# - node_modules/.router-deps holds a hash of what was installed (the package files, node's
#   version, the machine); while it matches, npm is not run at all. It is written last, so an
#   interrupted install is redone.
# - Without node or npm the caller fails (exit 1); with the registry unreachable and nothing
#   installed it skips loudly with exit 77, which ctest reports as "Skipped" (SKIP_RETURN_CODE).

npm_deps_fingerprint() {
  { node --version; uname -m; cat package.json; if [[ -f package-lock.json ]]; then cat package-lock.json; fi; } |
    sha256sum | cut -d' ' -f1
}

# npm_deps <script name>
npm_deps() {
  local script=$1 stamp=node_modules/.router-deps
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "$script: node and npm are required (run scripts/setup --deps-only)" >&2
    exit 1
  fi
  export npm_config_cache=${npm_config_cache:-${XDG_CACHE_HOME:-$HOME/.cache}/router-npm}
  if [[ -f $stamp && $(<"$stamp") == "$(npm_deps_fingerprint)" ]]; then
    return 0
  fi
  if [[ ! -d node_modules ]] && ! npm ping --loglevel=error >/dev/null 2>&1; then
    echo "################################################################" >&2
    echo "$script: SKIPPED: the npm registry is unreachable" >&2
    echo "################################################################" >&2
    exit 77
  fi
  # --prefer-offline: a tarball already in the cache is not fetched again.
  if [[ -f package-lock.json ]]; then
    npm ci --prefer-offline --no-audit --no-fund --loglevel=error
  else
    npm install --prefer-offline --no-audit --no-fund --loglevel=error
  fi
  npm_deps_fingerprint >"$stamp"
}
