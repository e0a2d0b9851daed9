# Sourced by run.sh and test.sh. generator <build dir>: "-GNinja" where ninja is installed
# (setup.sh installs it) and the build folder is new or already Ninja's; nothing otherwise (a
# folder configured earlier with Make keeps Make).
generator() {
  if command -v ninja >/dev/null && { [[ ! -f "$1/CMakeCache.txt" ]] || grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$1/CMakeCache.txt"; }; then
    echo "-GNinja"
  fi
}
